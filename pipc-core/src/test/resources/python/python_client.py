"""A multiprocessing.connection Client that serves pipc test commands.

Usage: python3 python_client.py HOST PORT AUTHKEY   (AUTHKEY '-' for none)
Exits 0 after 'bye', 3 when authentication fails or the peer leaves during it.
"""
import sys
from multiprocessing.connection import Client, AuthenticationError

from peer_commands import serve

host, port, authkey = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    conn = Client((host, port), authkey=None if authkey == "-" else authkey.encode())
except (AuthenticationError, EOFError, ConnectionError) as e:
    print("AUTH_FAILED", e, file=sys.stderr, flush=True)
    sys.exit(3)
serve(conn)
