"""Run pyftpdlib as a separate process for the tests (``python _pyftpd.py ...``).

Arguments: port, root folder, user, password, then ``tls`` (FTPS required) or ``plain``,
then the certificate and key files for ``tls``. With ``AMPAREX_FTPD_STRICT_RENAME=1`` in
the environment, RNTO onto an existing file is refused (as some servers do). A folder
whose path holds ``unlistable`` cannot be listed (as on an upload-only drop box); files in
it can still be written, renamed and deleted.
"""

from __future__ import annotations

import errno
import os
import sys


def main(argv: list[str]) -> None:
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.filesystems import AbstractedFS
    from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
    from pyftpdlib.servers import FTPServer

    port, root, user, password, mode = argv[:5]
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, root, perm="elradfmwMT")
    handler: type[FTPHandler]
    if mode == "tls":
        cert, key = argv[5:7]

        class Handler(TLS_FTPHandler):  # type: ignore[misc]
            certfile = cert
            keyfile = key
            tls_control_required = True
            tls_data_required = True

        handler = Handler
    else:

        class PlainHandler(FTPHandler):  # type: ignore[misc]
            pass

        handler = PlainHandler

    class DropBoxFS(AbstractedFS):  # type: ignore[misc]
        def listdir(self, path: str) -> list[str]:
            if "unlistable" in path:
                raise PermissionError(errno.EACCES, "listing refused")
            return list(super().listdir(path))

    handler.abstracted_fs = DropBoxFS
    if os.environ.get("AMPAREX_FTPD_STRICT_RENAME") == "1":

        class StrictRenameFS(DropBoxFS):
            def rename(self, src: str, dst: str) -> None:
                if os.path.exists(dst):
                    raise OSError(errno.EEXIST, "target exists")
                super().rename(src, dst)

        handler.abstracted_fs = StrictRenameFS
    handler.authorizer = authorizer
    handler.auth_failed_timeout = 0.05  # no 3 s penalty for the wrong-password tests
    handler.passive_ports = None
    handler.banner = "amparex test ftpd"
    server = FTPServer(("127.0.0.1", int(port)), handler)
    print("ready", flush=True)
    server.serve_forever(timeout=0.5)


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING)
    main(sys.argv[1:])
