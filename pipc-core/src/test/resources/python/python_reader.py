"""A multiprocessing.connection peer that only reads: it never sends a message of its own.

Usage: python3 python_reader.py client HOST PORT AUTHKEY
       python3 python_reader.py listener AUTHKEY     (prints the port it listens on, 127.0.0.1)
AUTHKEY '-' for none. Prints 'got N bytes' for each message received. Exits 0 when the peer
closes the connection, 3 when authentication fails or the peer leaves during it.
"""
import sys
from multiprocessing.connection import Client, Listener, AuthenticationError


def key(text):
    return None if text == "-" else text.encode()


def read_until_closed(conn):
    while True:
        try:
            message = conn.recv_bytes()
        except EOFError:
            return
        print("got", len(message), "bytes", flush=True)


try:
    if sys.argv[1] == "client":
        conn = Client((sys.argv[2], int(sys.argv[3])), authkey=key(sys.argv[4]))
    else:
        with Listener(("127.0.0.1", 0), authkey=key(sys.argv[2])) as listener:
            print(listener.address[1], flush=True)
            conn = listener.accept()
except (AuthenticationError, EOFError, ConnectionError) as e:
    print("AUTH_FAILED", e, file=sys.stderr, flush=True)
    sys.exit(3)
read_until_closed(conn)
