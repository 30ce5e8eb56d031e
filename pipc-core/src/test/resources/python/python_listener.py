"""A multiprocessing.connection Listener that serves pipc test commands to one client.

Usage: python3 python_listener.py AUTHKEY   (AUTHKEY '-' for none)
Prints the port it listens on (127.0.0.1), then serves one client.
Exits 0 after 'bye' or the client's end, 3 when authentication fails or the client leaves during it.
"""
import sys
from multiprocessing.connection import Listener, AuthenticationError

from peer_commands import serve

authkey = sys.argv[1]
with Listener(("127.0.0.1", 0), authkey=None if authkey == "-" else authkey.encode()) as listener:
    print(listener.address[1], flush=True)
    try:
        conn = listener.accept()
    except (AuthenticationError, EOFError, ConnectionError) as e:
        print("AUTH_FAILED", e, file=sys.stderr, flush=True)
        sys.exit(3)
    serve(conn)
