// The stack of stackc_core::generate::stack(n), written with the AWS CDK, for
// the synth benchmark (compiler/cli/benches/synth.rs): the same resources per
// environment (a VPC of 3 zones with a NAT gateway each and an S3 endpoint,
// the stack's topic, and per layer a security group, role and instance
// profile, launch template with an encrypted data volume and IMDSv2, an Auto
// Scaling group with its launch hook, step scaling on CPU with its two
// alarms, two scheduled actions, a log group and a CPU alarm), production and
// a test environment whose every tenth layer is smaller and which stops
// outside working hours. LAYERS=n sets n.
'use strict';
const cdk = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const iam = require('aws-cdk-lib/aws-iam');
const autoscaling = require('aws-cdk-lib/aws-autoscaling');
const cloudwatch = require('aws-cdk-lib/aws-cloudwatch');
const actions = require('aws-cdk-lib/aws-cloudwatch-actions');
const logs = require('aws-cdk-lib/aws-logs');
const sns = require('aws-cdk-lib/aws-sns');
const subs = require('aws-cdk-lib/aws-sns-subscriptions');

const n = Number(process.env.LAYERS || '30');
const app = new cdk.App();

function environment(env) {
  const stack = new cdk.Stack(app, `bench-${env}`, {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    natGateways: 3,
    gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
  });
  const topic = new sns.Topic(stack, 'Topic');
  topic.addSubscription(new subs.EmailSubscription('ops@bench.example'));
  const image = ec2.MachineImage.latestAmazonLinux2023();
  for (let i = 0; i < n; i++) {
    const small = env === 'test' && i % 10 === 0;
    const id = `L${i}`;
    const sg = new ec2.SecurityGroup(stack, `${id}Sg`, { vpc, allowAllOutbound: true });
    const role = new iam.Role(stack, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    const group = new logs.LogGroup(stack, `${id}Logs`, {
      logGroupName: `/stackc/bench-${env}/l${i}`,
      retention: logs.RetentionDays.ONE_MONTH,
    });
    group.grantWrite(role);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      `export STACKC_LAYER=l${i}`,
      'dnf install -y amazon-cloudwatch-agent',
      'aws s3 cp "s3://artifacts/bundle.tar.gz" /var/lib/stackc/bundle.tar.gz',
      'cinc-client --local-mode -j /var/lib/stackc/nodes/setup.json',
    );
    const template = new ec2.LaunchTemplate(stack, `${id}Lt`, {
      instanceType: new ec2.InstanceType(small ? 't3.micro' : 't3.small'),
      machineImage: image,
      securityGroup: sg,
      role,
      userData,
      requireImdsv2: true,
      blockDevices: [
        { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true }) },
        { deviceName: '/dev/sdf', volume: ec2.BlockDeviceVolume.ebs(20, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) },
      ],
    });
    const asg = new autoscaling.AutoScalingGroup(stack, `${id}Asg`, {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: template,
      minCapacity: 1,
      maxCapacity: small ? 2 : 6,
      healthChecks: autoscaling.HealthChecks.ec2({ gracePeriod: cdk.Duration.minutes(10) }),
      signals: autoscaling.Signals.waitForMinCapacity({ timeout: cdk.Duration.minutes(30) }),
    });
    asg.addLifecycleHook(`${id}Launch`, {
      lifecycleTransition: autoscaling.LifecycleTransition.INSTANCE_LAUNCHING,
      heartbeatTimeout: cdk.Duration.minutes(30),
      defaultResult: autoscaling.DefaultResult.ABANDON,
    });
    asg.scaleOnMetric(`${id}Cpu`, {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensionsMap: { AutoScalingGroupName: asg.autoScalingGroupName },
        period: cdk.Duration.minutes(5),
      }),
      scalingSteps: [
        { upper: 20, change: -1 },
        { lower: 70, change: +2 },
      ],
      adjustmentType: autoscaling.AdjustmentType.CHANGE_IN_CAPACITY,
    });
    const schedule = env === 'test'
      ? [['0 8 * * 1-5', 1, 2], ['0 20 * * 1-5', 0, 0]]
      : [['0 9 * * 1-5', 2, 6], ['0 19 * * 1-5', 1, 2]];
    schedule.forEach(([cron, min, max], k) => {
      const [minute, hour, , , weekDay] = cron.split(' ');
      asg.scaleOnSchedule(`${id}At${k}`, {
        schedule: autoscaling.Schedule.cron({ minute, hour, weekDay }),
        timeZone: 'Europe/Madrid',
        minCapacity: min,
        maxCapacity: max,
      });
    });
    const alarm = new cloudwatch.Alarm(stack, `${id}HighCpu`, {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensionsMap: { AutoScalingGroupName: asg.autoScalingGroupName },
        period: cdk.Duration.minutes(10),
      }),
      threshold: 90,
      evaluationPeriods: 1,
    });
    alarm.addAlarmAction(new actions.SnsAction(topic));
  }
}

environment('production');
environment('test');
app.synth();
