"""A syslog collector over TLS for the audit forwarding tests, on loopback (RFC 5425: RFC 5424
records framed by octet counting, `LEN SP MSG`, over TLS).

Usage: syslogcollector.py PORT CERT KEY   (PORT 0: any free port)
Prints its port on the first line of standard output; appends each record's message, one per
line, to the file named by $SYSLOG_OUT (flushed per record). A frame that is not `digits SP`
followed by that many bytes closes the connection, as a strict collector does. Exits when
standard input closes.
"""
import os
import socket
import ssl
import sys
import threading

out_path = os.environ["SYSLOG_OUT"]
lock = threading.Lock()


def serve(connection):
    buffer = b""
    try:
        while True:
            data = connection.recv(65536)
            if not data:
                return
            buffer += data
            while True:
                space = buffer.find(b" ")
                if space < 0:
                    break
                length_text = buffer[:space]
                if not length_text.isdigit() or len(length_text) > 9:
                    return
                length = int(length_text)
                if len(buffer) < space + 1 + length:
                    break
                message = buffer[space + 1:space + 1 + length]
                buffer = buffer[space + 1 + length:]
                with lock, open(out_path, "ab") as out:
                    out.write(message + b"\n")
                    out.flush()
    except (ssl.SSLError, OSError):
        return
    finally:
        connection.close()


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)

    def accept():
        while True:
            raw, _ = listener.accept()
            try:
                tls = context.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError):
                raw.close()
                continue
            threading.Thread(target=serve, args=(tls,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()


main()
