"""Seeds the box's moto with what a deployed stack holds, and reads back
what the instance left there.

    python3 seed.py seed CASE.json STATE_DIR MOTO_URL
    python3 seed.py inspect CASE.json STATE_DIR MOTO_URL

seed: the artifact bucket with the bundle under its content key (and the
Cinc package under its own, when the box installs Cinc), the bundle
pointer parameter, the apps' secret parameters, an EC2 instance tagged as
the launch template tags it, its Auto Scaling group (the instance attached)
with the launch lifecycle hook, the alarm topic with a queue subscribed (to
read what was published), the layer's log group, and an instance role whose
credentials the IMDS double hands out. Then moto starts checking signatures
and IAM policies, so the instance reaches AWS only with those credentials.
Writes STATE_DIR/imds.json, STATE_DIR/proxy.json and STATE_DIR/admin.json.

inspect: STATE_DIR/state.json with the instance's tags, its lifecycle
state and protection, the group's suspended processes, the messages that
reached the topic and the log events of the log group.
"""

import json
import sys
import urllib.request

import boto3

MODE, CASE, STATE, MOTO = sys.argv[1:5]
with open(CASE) as f:
    case = json.load(f)
REGION = case["region"]


def client(service, creds=None):
    creds = creds or {"aws_access_key_id": "seed", "aws_secret_access_key": "seed"}
    return boto3.client(service, region_name=REGION, endpoint_url=MOTO, **creds)


def write(name, value):
    with open(f"{STATE}/{name}", "w") as f:
        json.dump(value, f, indent=1)


def seed():
    s3 = client("s3")
    with open(case["bundle_file"], "rb") as f:
        bundle = f.read()
    for bucket in [case["bucket"]] + ([case["forbidden_bucket"]] if case.get("forbidden_bucket") else []):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        if case.get("upload_bundle", True):
            s3.put_object(Bucket=bucket, Key=case["key"], Body=bundle)
    if case.get("cinc_package"):
        with open(case["cinc_package"]["file"], "rb") as f:
            s3.put_object(Bucket=case["bucket"], Key=case["cinc_package"]["key"], Body=f.read())

    ssm = client("ssm")
    ssm.put_parameter(Name=case["bundle_parameter"], Type="String", Value=json.dumps(case["pointer"]))
    for name, value in case["secrets"].items():
        ssm.put_parameter(Name=name, Type="SecureString", Value=value)

    ec2 = client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    tags = [{"Key": k, "Value": v} for k, v in case["instance_tags"].items()]
    reservation = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType=case["instance_type"],
        Placement={"AvailabilityZone": case["availability_zone"]},
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )
    instance = reservation["Instances"][0]

    asg = client("autoscaling")
    asg.create_launch_configuration(
        LaunchConfigurationName=case["group"], ImageId=image, InstanceType=case["instance_type"])
    asg.create_auto_scaling_group(
        AutoScalingGroupName=case["group"], LaunchConfigurationName=case["group"],
        MinSize=0, MaxSize=4, DesiredCapacity=0, AvailabilityZones=[case["availability_zone"]])
    asg.put_lifecycle_hook(
        AutoScalingGroupName=case["group"], LifecycleHookName=case["setup_hook"],
        LifecycleTransition="autoscaling:EC2_INSTANCE_LAUNCHING", HeartbeatTimeout=1800,
        DefaultResult="ABANDON")
    asg.attach_instances(AutoScalingGroupName=case["group"], InstanceIds=[instance["InstanceId"]])
    kept = None
    if case.get("one_kept"):
        # An instance of the group already kept after a failed setup.
        kept = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType=case["instance_type"],
            Placement={"AvailabilityZone": case["availability_zone"]},
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags + [
                {"Key": "stackc:last-run", "Value": "setup failed 2026-01-05T10:00:00Z"}]}],
        )["Instances"][0]["InstanceId"]
        asg.attach_instances(AutoScalingGroupName=case["group"], InstanceIds=[kept])
        asg.enter_standby(AutoScalingGroupName=case["group"], InstanceIds=[kept],
                          ShouldDecrementDesiredCapacity=False)

    topic = client("sns").create_topic(Name=case["topic_name"])["TopicArn"]
    assert topic == case["topic_arn"], (topic, case["topic_arn"])
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="box-notifications")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    logs = client("logs")
    for group in case["log_groups"]:
        logs.create_log_group(logGroupName=group)

    iam = client("iam")
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="box-instance", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    statements = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    if case.get("forbidden_bucket"):
        statements.append({"Effect": "Deny", "Action": "s3:GetObject",
                           "Resource": f"arn:aws:s3:::{case['forbidden_bucket']}/*"})
    iam.put_role_policy(RoleName="box-instance", PolicyName="box",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    creds = client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName=instance["InstanceId"])["Credentials"]
    iam.create_user(UserName="box-admin")
    iam.put_user_policy(UserName="box-admin", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="box-admin")["AccessKey"]

    write("imds.json", {
        "kept_before": kept,
        "instance_id": instance["InstanceId"], "availability_zone": case["availability_zone"],
        "region": REGION, "local_ipv4": instance["PrivateIpAddress"],
        "instance_type": case["instance_type"], "role": "box-instance",
        "target_lifecycle_state": "Warmed:Stopped" if case.get("restart") else "InService",
        "credentials": {"AccessKeyId": creds["AccessKeyId"], "SecretAccessKey": creds["SecretAccessKey"],
                        "Token": creds["SessionToken"]},
    })
    write("proxy.json", {"group": case["group"], "setup_hook": case["setup_hook"],
                         "instance_id": instance["InstanceId"], "cfn_stack": case["cfn_stack"],
                         "cfn_resource": case["cfn_resource"]})
    write("admin.json", {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]})
    # From here on moto checks every request's signature and IAM policy.
    urllib.request.urlopen(urllib.request.Request(
        f"{MOTO}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}))


def inspect():
    with open(f"{STATE}/admin.json") as f:
        admin = json.load(f)
    with open(f"{STATE}/imds.json") as f:
        instance_id = json.load(f)["instance_id"]
    ec2 = client("ec2", admin)
    described = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    asg = client("autoscaling", admin)
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[case["group"]])["AutoScalingGroups"][0]
    member = next((i for i in group["Instances"] if i["InstanceId"] == instance_id), {})
    sqs = client("sqs", admin)
    queue = sqs.get_queue_url(QueueName="box-notifications")["QueueUrl"]
    messages = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        for m in got:
            envelope = json.loads(m["Body"])
            messages.append({"subject": envelope.get("Subject"), "message": envelope.get("Message"),
                             "topic": envelope.get("TopicArn")})
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    logs = client("logs", admin)
    events = {}
    for log_group in case["log_groups"]:
        for stream in logs.describe_log_streams(logGroupName=log_group)["logStreams"]:
            name = stream["logStreamName"]
            got = logs.get_log_events(logGroupName=log_group, logStreamName=name, startFromHead=True)
            events[f"{log_group}:{name}"] = [e["message"] for e in got["events"]]
    write("state.json", {
        "instance_id": instance_id,
        "tags": {t["Key"]: t["Value"] for t in described.get("Tags", [])},
        "lifecycle_state": member.get("LifecycleState"),
        "protected_from_scale_in": member.get("ProtectedFromScaleIn"),
        "desired_capacity": group["DesiredCapacity"],
        "suspended_processes": sorted(p["ProcessName"] for p in group.get("SuspendedProcesses", [])),
        "notifications": messages,
        "log_events": events,
    })


{"seed": seed, "inspect": inspect}[MODE]()
