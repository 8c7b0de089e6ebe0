#!/usr/bin/python3
"""A Modbus server from Debian's pymodbus, serving known values, as a peer phasewire did not write.

Usage: pymodbus_server.py tcp|rtutcp PORT
       pymodbus_server.py serial DEVICE

Run with /usr/bin/python3 (Debian's, which has python3-pymodbus). Prints the pymodbus version on
its first line, then serves until killed. The values (all 0-based addresses, unit 1):
  holding registers  0..99: 1000 + address, except 0..1 = 0x4366 0x8000 (230.5 as float32 ABCD)
  input registers    0..99: 2000 + address
  coils              0..99: true where address % 3 == 0
  discrete inputs    0..99: true where address % 2 == 1
"""
import logging
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.server import StartSerialServer, StartTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer
from pymodbus.version import version

logging.basicConfig(level=logging.CRITICAL)


def context():
    holding = [1000 + address for address in range(100)]
    holding[0:2] = [0x4366, 0x8000]
    slave = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, holding),
        ir=ModbusSequentialDataBlock(0, [2000 + address for address in range(100)]),
        co=ModbusSequentialDataBlock(0, [address % 3 == 0 for address in range(100)]),
        di=ModbusSequentialDataBlock(0, [address % 2 == 1 for address in range(100)]),
        zero_mode=True,
    )
    return ModbusServerContext(slaves={1: slave}, single=False)


def identity():
    ident = ModbusDeviceIdentification()
    ident.VendorName = "pymodbus-peer"
    ident.ProductCode = "PEER"
    ident.MajorMinorRevision = version.short()
    return ident


def main():
    mode, where = sys.argv[1], sys.argv[2]
    print(f"pymodbus {version.short()}", flush=True)
    if mode == "tcp":
        StartTcpServer(context=context(), identity=identity(), address=("127.0.0.1", int(where)), framer=ModbusSocketFramer)
    elif mode == "rtutcp":
        StartTcpServer(context=context(), identity=identity(), address=("127.0.0.1", int(where)), framer=ModbusRtuFramer)
    elif mode == "serial":
        StartSerialServer(context=context(), identity=identity(), framer=ModbusRtuFramer, port=where,
                          baudrate=9600)  # a pty refuses some pyserial settings (EINVAL); it ignores them anyway
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
