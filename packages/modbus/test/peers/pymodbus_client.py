#!/usr/bin/python3
"""Reads a Modbus/TCP server with Debian's pymodbus client and prints what it read as JSON.

Usage: pymodbus_client.py PORT
Prints the pymodbus version on its first line, then one JSON object:
  holding (10 registers from 0), input (5 from 0), coils (8 from 0), discrete (8 from 0),
  vendor (object 0 of the basic device identification), exception (the code for a read of
  holding registers 60000..60001, expected to be refused).
"""
import json
import logging
import sys

from pymodbus.client import ModbusTcpClient
from pymodbus.mei_message import ReadDeviceInformationRequest
from pymodbus.version import version

logging.basicConfig(level=logging.CRITICAL)


def main():
    port = int(sys.argv[1])
    print(f"pymodbus {version.short()}", flush=True)
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=3)
    if not client.connect():
        sys.exit("cannot connect")
    result = {
        "holding": client.read_holding_registers(0, 10, slave=1).registers,
        "input": client.read_input_registers(0, 5, slave=1).registers,
        "coils": client.read_coils(0, 8, slave=1).bits[:8],
        "discrete": client.read_discrete_inputs(0, 8, slave=1).bits[:8],
    }
    client.write_registers(20, [11, 22, 33], slave=1)
    result["written"] = client.read_holding_registers(20, 3, slave=1).registers
    identification = client.execute(ReadDeviceInformationRequest(read_code=1, object_id=0, unit=1))
    result["vendor"] = identification.information[0].decode("latin-1")
    refused = client.read_holding_registers(60000, 2, slave=1)
    result["exception"] = getattr(refused, "exception_code", None)
    client.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
