"""The commands a pipc test sends to a Python peer, and how the peer answers them.

Shared by python_client.py and python_listener.py. Every message is one
multiprocessing.connection message (send_bytes / recv_bytes):

  echo:<payload>   answered with <payload> reversed, so the bytes went through Python
  big:<n>          answered with n bytes: 0, 1, ..., 255, 0, 1, ... (more than 1 MiB is fine)
  bye              the peer closes the connection and exits 0
"""


def pattern(n):
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def serve(conn):
    conn.send_bytes(b"hello from python")
    while True:
        try:
            message = conn.recv_bytes()
        except EOFError:
            return
        if message == b"bye":
            conn.close()
            return
        if message.startswith(b"echo:"):
            conn.send_bytes(message[len(b"echo:"):][::-1])
        elif message.startswith(b"big:"):
            conn.send_bytes(pattern(int(message[len(b"big:"):])))
        else:
            conn.send_bytes(b"unknown command")
