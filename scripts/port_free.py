"""Exit with a clear message when the demo's port is taken (instead of a traceback later)."""

from __future__ import annotations

import socket
import sys


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            print(
                f"Port {port} on {host} is busy: another program (perhaps an earlier `make demo`) "
                f"is using it. Stop it, or free the port, and run `make demo` again.",
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
