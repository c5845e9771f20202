#!/usr/bin/python3
"""Capture real client request frames as golden files (run by hand; stdlib only).

Starts a fake broker on 127.0.0.1:PORT that answers ApiVersions (v0..v3 body, header v0)
advertising ApiVersions 0-3 and Metadata 0-12, records every request frame it receives, then
runs `kcat -b 127.0.0.1:PORT -L`. Each first request per (api key, version) is written to
OUT_DIR/<client>_<api>_v<version>_request.hex (size prefix stripped; header + body).
"""
import socket
import struct
import subprocess
import sys
import threading

NAMES = {18: "api_versions", 3: "metadata"}


def api_versions_response(corr, version):
    keys = [(18, 0, 3), (3, 0, 12)]
    body = struct.pack(">h", 0)
    if version >= 3:
        body += bytes([len(keys) + 1])
        for k in keys:
            body += struct.pack(">hhh", *k) + b"\x00"
        body += struct.pack(">i", 0) + b"\x00"
    else:
        body += struct.pack(">i", len(keys))
        for k in keys:
            body += struct.pack(">hhh", *k)
        if version >= 1:
            body += struct.pack(">i", 0)
    payload = struct.pack(">i", corr) + body  # ApiVersions: response header v0 always
    return struct.pack(">i", len(payload)) + payload


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def serve(sock, frames):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        try:
            while True:
                (size,) = struct.unpack(">i", recv_exact(conn, 4))
                frame = recv_exact(conn, size)
                key, ver, corr = struct.unpack(">hhi", frame[:8])
                frames.append((key, ver, frame))
                if key == 18:
                    conn.sendall(api_versions_response(corr, ver))
                else:
                    conn.close()
                    break
        except (EOFError, OSError):
            conn.close()


def main():
    port, out_dir = int(sys.argv[1]), sys.argv[2]
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(4)
    frames = []
    threading.Thread(target=serve, args=(sock, frames), daemon=True).start()
    subprocess.run(["kcat", "-b", f"127.0.0.1:{port}", "-L", "-m", "3"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20, check=False)
    sock.close()
    seen = set()
    for key, ver, frame in frames:
        if (key, ver) in seen or key not in NAMES:
            continue
        seen.add((key, ver))
        path = f"{out_dir}/kcat_{NAMES[key]}_v{ver}_request.hex"
        with open(path, "w") as f:
            f.write(f"# request api_key={key} api_version={ver} captured from kcat -L (librdkafka)\n")
            hx = frame.hex()
            for i in range(0, len(hx), 64):
                f.write(hx[i:i + 64] + "\n")
        print("wrote", path)


if __name__ == "__main__":
    main()
