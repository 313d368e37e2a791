"""An IMDSv2 double for the instance-in-a-box test.

Answers like EC2's instance metadata service with HttpTokens=required: a
session token from PUT /latest/api/token, and metadata only to requests that
carry it (401 otherwise). Serves what the bootstrap, stackc-run and the AWS
CLI read: the instance's id, zone, address, type and role credentials.

    python3 imds.py CONFIG.json LOG.jsonl

CONFIG: {"instance_id", "availability_zone", "region", "local_ipv4",
"instance_type", "target_lifecycle_state", "role", "credentials":
{AccessKeyId, SecretAccessKey, Token}}
(re-read on every request, so credentials can be written after start).
Every request is appended to LOG as one JSON line.
"""

import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG, LOG = sys.argv[1], sys.argv[2]
TOKENS = {}
LOCK = threading.Lock()


def config():
    with open(CONFIG) as f:
        return json.load(f)


def metadata(path, c):
    creds = c.get("credentials") or {}
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 6 * 3600))
    identity = {
        "accountId": "123456789012",
        "availabilityZone": c["availability_zone"],
        "instanceId": c["instance_id"],
        "instanceType": c["instance_type"],
        "privateIp": c["local_ipv4"],
        "region": c["region"],
    }
    paths = {
        "/latest/meta-data/instance-id": c["instance_id"],
        "/latest/meta-data/placement/availability-zone": c["availability_zone"],
        "/latest/meta-data/placement/region": c["region"],
        "/latest/meta-data/local-ipv4": c["local_ipv4"],
        "/latest/meta-data/instance-type": c["instance_type"],
        "/latest/meta-data/autoscaling/target-lifecycle-state": c["target_lifecycle_state"],
        "/latest/meta-data/iam/security-credentials/": c["role"],
        "/latest/meta-data/iam/security-credentials/" + c["role"]: json.dumps({
            "Code": "Success",
            "LastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "Type": "AWS-HMAC",
            "AccessKeyId": creds.get("AccessKeyId", ""),
            "SecretAccessKey": creds.get("SecretAccessKey", ""),
            "Token": creds.get("Token", ""),
            "Expiration": expires,
        }),
        "/latest/dynamic/instance-identity/document": json.dumps(identity),
    }
    return paths.get(path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, status, token_ok):
        entry = {"t": time.time(), "method": self.command, "path": self.path,
                 "status": status, "token": token_ok}
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def answer(self, status, body=""):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        # IMDS refuses forwarded requests and a missing or bad TTL.
        if self.path != "/latest/api/token" or self.headers.get("X-Forwarded-For"):
            self.record(403, False)
            return self.answer(403)
        if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            self.record(400, False)
            return self.answer(400)
        token = secrets.token_urlsafe(32)
        with LOCK:
            TOKENS[token] = time.time() + int(ttl)
        self.record(200, True)
        self.answer(200, token)

    def do_GET(self):
        token = self.headers.get("X-aws-ec2-metadata-token")
        with LOCK:
            valid = token is not None and TOKENS.get(token, 0) > time.time()
        if not valid:
            self.record(401, False)
            return self.answer(401)
        body = metadata(self.path, config())
        if body is None:
            self.record(404, True)
            return self.answer(404)
        self.record(200, True)
        self.answer(200, body)


ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer(("169.254.169.254", 80), Handler).serve_forever()
