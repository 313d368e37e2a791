"""The box's AWS endpoint: a logging proxy in front of moto.

    python3 aws_proxy.py LISTEN_PORT MOTO_PORT CONFIG.json LOG.jsonl

Every request the instance makes is forwarded unchanged (Host included, so
moto checks the signature the client computed) and logged as one JSON line:
time, service, region and access key id (from the signature's credential
scope), action and parameters, status. Two calls moto does not model are answered here as AWS
would answer them for this instance, after checking their parameters
against CONFIG: Auto Scaling's CompleteLifecycleAction (the launch hook of
the instance's group) and CloudFormation's SignalResource (the group's
resource, this instance as unique id). Anything else that does not match is
refused with AWS's ValidationError.

moto does not model CloudFormation's drift detection either: DetectStackDrift,
DescribeStackDriftDetectionStatus and DescribeStackResourceDrifts are
answered here, the detection complete at once, and the resources CONFIG's
"drifted_resources" lists ({logical_id, type, status, physical_id,
differences: [{path, expected, actual, type}]}) drifted; none without it.

One answer can be changed to inject a fault moto cannot produce: when
CONFIG has "unhealthy_targets" (a list of instance ids), ELBv2's
DescribeTargetHealth is forwarded and moto's answer returned with those
targets `unhealthy` (reason Target.FailedHealthChecks), as AWS reports an
instance that fails its load balancer's health checks; the log entry lists
them under "injected". CONFIG is read on every request, so a test may change
it between commands.

LISTEN_PORT 0 takes a free port and prints it on the first line of stdout.
"""

import http.client
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

LISTEN, MOTO, CONFIG, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
LOCK = threading.Lock()
SCOPE = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")


def config():
    with open(CONFIG) as f:
        return json.load(f)


def query_response(action, namespace, ok, message=""):
    rid = str(uuid.uuid4())
    if ok:
        return 200, (
            f'<{action}Response xmlns="{namespace}"><{action}Result/>'
            f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>"
            f"</{action}Response>"
        )
    return 400, (
        f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type>'
        f"<Code>ValidationError</Code><Message>{message}</Message></Error>"
        f"<RequestId>{rid}</RequestId></ErrorResponse>"
    )


def complete_lifecycle_action(p, c):
    ns = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
    want = (c["group"], c["setup_hook"], c["instance_id"])
    got = (p.get("AutoScalingGroupName"), p.get("LifecycleHookName"), p.get("InstanceId"))
    if got != want:
        return query_response("CompleteLifecycleAction", ns, False,
                              f"No active Lifecycle Action found with instance ID {p.get('InstanceId')}")
    if p.get("LifecycleActionResult") not in ("CONTINUE", "ABANDON"):
        return query_response("CompleteLifecycleAction", ns, False, "Invalid LifecycleActionResult")
    return query_response("CompleteLifecycleAction", ns, True)


def signal_resource(p, c):
    ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
    want = (c["cfn_stack"], c["cfn_resource"], c["instance_id"])
    got = (p.get("StackName"), p.get("LogicalResourceId"), p.get("UniqueId"))
    if got != want or p.get("Status") not in ("SUCCESS", "FAILURE"):
        return query_response("SignalResource", ns, False,
                              f"Resource {p.get('LogicalResourceId')} does not exist for stack {p.get('StackName')}")
    return query_response("SignalResource", ns, True)


MEMBER = re.compile(r"<member>(.*?)</member>", re.S)
TARGET_ID = re.compile(r"<Target>.*?<Id>([^<]+)</Id>.*?</Target>", re.S)
TARGET_HEALTH = re.compile(r"<TargetHealth>.*?</TargetHealth>", re.S)


def unhealthy_targets(payload, instances):
    """moto's DescribeTargetHealth answer with `instances` unhealthy, and
    the ids changed."""
    text = payload.decode()
    changed = []

    def member(m):
        body = m.group(1)
        target = TARGET_ID.search(body)
        if not target or target.group(1) not in instances:
            return m.group(0)
        changed.append(target.group(1))
        health = ("<TargetHealth><State>unhealthy</State>"
                  "<Reason>Target.FailedHealthChecks</Reason>"
                  "<Description>Health checks failed</Description></TargetHealth>")
        if TARGET_HEALTH.search(body):
            body = TARGET_HEALTH.sub(health, body, count=1)
        else:
            body += health
        return f"<member>{body}</member>"

    return MEMBER.sub(member, text).encode(), changed


CFN = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


def cfn_result(action, body):
    return 200, (
        f'<{action}Response xmlns="{CFN}"><{action}Result>{body}</{action}Result>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


def detect_stack_drift(p, c):
    return cfn_result("DetectStackDrift",
                      f"<StackDriftDetectionId>{uuid.uuid4()}</StackDriftDetectionId>")


def drift_detection_status(p, c):
    drifted = c.get("drifted_resources") or []
    body = (
        f"<StackId>{escape(c.get('drift_stack_id', 'stack'))}</StackId>"
        f"<StackDriftDetectionId>{escape(p.get('StackDriftDetectionId', ''))}</StackDriftDetectionId>"
        f"<StackDriftStatus>{'DRIFTED' if drifted else 'IN_SYNC'}</StackDriftStatus>"
        "<DetectionStatus>DETECTION_COMPLETE</DetectionStatus>"
        f"<DriftedStackResourceCount>{len(drifted)}</DriftedStackResourceCount>"
        "<Timestamp>2026-12-02T00:00:00Z</Timestamp>"
    )
    return cfn_result("DescribeStackDriftDetectionStatus", body)


def resource_drifts(p, c):
    members = ""
    for r in c.get("drifted_resources") or []:
        diffs = "".join(
            "<member>"
            f"<PropertyPath>{escape(d['path'])}</PropertyPath>"
            f"<ExpectedValue>{escape(d['expected'])}</ExpectedValue>"
            f"<ActualValue>{escape(d['actual'])}</ActualValue>"
            f"<DifferenceType>{d.get('type', 'NOT_EQUAL')}</DifferenceType>"
            "</member>"
            for d in r.get("differences", [])
        )
        members += (
            "<member>"
            f"<StackId>{escape(p.get('StackName', ''))}</StackId>"
            f"<LogicalResourceId>{escape(r['logical_id'])}</LogicalResourceId>"
            f"<PhysicalResourceId>{escape(r.get('physical_id', r['logical_id']))}</PhysicalResourceId>"
            f"<ResourceType>{escape(r['type'])}</ResourceType>"
            f"<StackResourceDriftStatus>{r.get('status', 'MODIFIED')}</StackResourceDriftStatus>"
            f"<PropertyDifferences>{diffs}</PropertyDifferences>"
            "<Timestamp>2026-12-02T00:00:00Z</Timestamp>"
            "</member>"
        )
    return cfn_result("DescribeStackResourceDrifts",
                      f"<StackResourceDrifts>{members}</StackResourceDrifts>")


def assume_role(p, c):
    """STS refuses the roles CONFIG's "refused_roles" lists, as it does a
    role whose trust policy does not name the caller; moto assumes any."""
    if p.get("RoleArn") not in c.get("refused_roles", []):
        return None
    rid = str(uuid.uuid4())
    return 403, (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        "<Type>Sender</Type><Code>AccessDenied</Code><Message>User: "
        "arn:aws:iam::123456789012:user/moto is not authorized to perform: "
        f"sts:AssumeRole on resource: {escape(p.get('RoleArn', ''))}</Message></Error>"
        f"<RequestId>{rid}</RequestId></ErrorResponse>"
    )


ANSWERED_HERE = {
    ("sts", "AssumeRole"): assume_role,
    ("autoscaling", "CompleteLifecycleAction"): complete_lifecycle_action,
    ("cloudformation", "SignalResource"): signal_resource,
    ("cloudformation", "DetectStackDrift"): detect_stack_drift,
    ("cloudformation", "DescribeStackDriftDetectionStatus"): drift_detection_status,
    ("cloudformation", "DescribeStackResourceDrifts"): resource_drifts,
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def handle_any(self):
        start = time.time()
        data = self.body()
        scope = SCOPE.search(self.headers.get("Authorization", ""))
        service = scope.group(3) if scope else None
        target = self.headers.get("X-Amz-Target")
        params = {}
        action = None
        ctype = self.headers.get("Content-Type", "")
        if target:
            action = target.split(".")[-1]
            try:
                params = json.loads(data or b"{}")
            except ValueError:
                params = {}
        elif "x-www-form-urlencoded" in ctype:
            params = dict(parse_qsl(data.decode()))
            action = params.get("Action")
        elif service == "s3":
            action = f"{self.command} {urlsplit(self.path).path}"
        handler = ANSWERED_HERE.get((service, action))
        # A handler answers None for what moto answers.
        answered = handler(params, config()) if handler else None
        if answered:
            status, text = answered
            payload, headers = text.encode(), [("Content-Type", "text/xml")]
        else:
            conn = http.client.HTTPConnection("127.0.0.1", MOTO, timeout=60)
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() in ("transfer-encoding", "content-length", "connection"):
                    continue
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data)
            resp = conn.getresponse()
            status, payload = resp.status, resp.read()
            # A HEAD's Content-Length is the object's size: keep it.
            dropped = ("transfer-encoding", "connection") + (() if self.command == "HEAD" else ("content-length",))
            headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in dropped]
            conn.close()
        injected = None
        if (service, action) == ("elasticloadbalancing", "DescribeTargetHealth") and status == 200:
            faulty = config().get("unhealthy_targets")
            if faulty:
                payload, injected = unhealthy_targets(payload, set(faulty))
        # Which region and credentials signed it: the calls in a target
        # account of a StackSet are made with an assumed role's.
        entry = {"t": start, "service": service, "action": action, "params": params,
                 "region": scope.group(2) if scope else None,
                 "key": scope.group(1) if scope else None,
                 "method": self.command, "path": self.path, "status": status}
        if injected is not None:
            entry["injected"] = injected
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if self.command != "HEAD" or answered:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = handle_any


ThreadingHTTPServer.allow_reuse_address = True
server = ThreadingHTTPServer(("127.0.0.1", LISTEN), Handler)
if LISTEN == 0:
    print(server.server_address[1], flush=True)
server.serve_forever()
