#!/usr/bin/python3
"""A generic Modbus/TCP device from Debian's pymodbus, matching no meter profile: every holding and
input register of unit 1 (0-based addresses 0..65535) reads 0, and its device identification names
no meter vendor. What a gateway finds when a unit id is wrong or a device is not a meter.

Usage: pymodbus_generic_device.py PORT

Run with /usr/bin/python3 (Debian's, which has python3-pymodbus). Prints the pymodbus version on
its first line, then serves on 127.0.0.1:PORT until killed.
"""
import logging
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.server import StartTcpServer
from pymodbus.transaction import ModbusSocketFramer
from pymodbus.version import version

logging.basicConfig(level=logging.CRITICAL)


def main():
    port = int(sys.argv[1])
    zeros = [0] * 65536
    slave = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, list(zeros)),
        ir=ModbusSequentialDataBlock(0, list(zeros)),
        co=ModbusSequentialDataBlock(0, [False] * 16),
        di=ModbusSequentialDataBlock(0, [False] * 16),
        zero_mode=True,
    )
    ident = ModbusDeviceIdentification()
    ident.VendorName = "Generic I/O"
    ident.ProductCode = "IO-1"
    ident.MajorMinorRevision = version.short()
    print(f"pymodbus {version.short()}", flush=True)
    StartTcpServer(context=ModbusServerContext(slaves={1: slave}, single=False), identity=ident,
                   address=("127.0.0.1", port), framer=ModbusSocketFramer)


if __name__ == "__main__":
    main()
