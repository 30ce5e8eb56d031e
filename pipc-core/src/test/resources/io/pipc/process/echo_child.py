#!/usr/bin/env python3
"""A pipc child written in Python with the standard library only, for the tests.

It speaks the native wire over stdin and stdout without a secret: sends its preface, checks
the parent's, echoes every DATA and DATA_WITH_HEADERS frame back unchanged, answers a heartbeat
with a heartbeat, and answers GOODBYE or DISCONNECT with GOODBYE and exits with 0.

With the argument 'stay' it ignores GOODBYE and the end of stdin, and stays until it is
terminated; with 'stubborn' it also ignores SIGTERM, and stays until it is killed.
"""
import signal
import struct
import sys
import time

PREFACE = b"PIPC\x02\x00\x00\x00"
DATA, DATA_WITH_HEADERS, HEARTBEAT, DISCONNECT, GOODBYE = 0x01, 0x02, 0x10, 0x11, 0x12


def read_exactly(stream, n):
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def linger_forever():
    while True:
        time.sleep(3600)


def main():
    linger = "stay" in sys.argv[1:] or "stubborn" in sys.argv[1:]
    if "stubborn" in sys.argv[1:]:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(PREFACE)
    stdout.flush()
    preface = read_exactly(stdin, len(PREFACE))
    if preface is None or preface[:5] != PREFACE[:5]:
        print("echo_child.py: the parent does not speak pipc wire 1: %r" % (preface,), file=sys.stderr)
        return 2
    while True:
        header = read_exactly(stdin, 5)
        if header is None:
            if linger:
                linger_forever()
            return 0
        length, kind = struct.unpack(">IB", header)
        body = read_exactly(stdin, length)
        if body is None:
            print("echo_child.py: stdin ended in the middle of a frame", file=sys.stderr)
            return 3
        if kind in (DATA, DATA_WITH_HEADERS, HEARTBEAT):
            stdout.write(header + body)
            stdout.flush()
        elif kind in (GOODBYE, DISCONNECT):
            if linger:
                linger_forever()
            stdout.write(struct.pack(">IB", 0, GOODBYE))
            stdout.flush()
            return 0
        else:
            print("echo_child.py: unexpected frame type 0x%02x" % kind, file=sys.stderr)
            return 4


if __name__ == "__main__":
    sys.exit(main())
