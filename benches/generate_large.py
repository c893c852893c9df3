#!/usr/bin/env python3
"""Generates the large-file shapes of the benchmark (see benches/README.md):
one Terraform file of 50,000 resources and one CloudFormation template of
20,000, each a service of its own, so that a change to one reads that file
alone. Standard library only; written through `git fast-import`.

Branches:
  main     base: terraform/big/main.tf (50,000 resources) and
           cfn/big/template.yaml (20,000 resources), a plan with two services.
  tf50k    main + one database of the Terraform file made single-zone.
  cfn20k   main + one database of the template made single-zone.

The resources are a mix that exercises every cross-resource lookup of the
readers: scheduled actions naming their group by a literal name, cluster
instances naming their cluster, autoscaling targets naming their ECS
service, `!Ref`s to parameters and resources.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import new_repo  # noqa: E402

TF_RESOURCES = 50_000
CFN_RESOURCES = 20_000

PLAN = """version: 1
timezone: Europe/London
tiers:
  gold: { rto: 1h, rpo: 1d, min_replicas: 2, multi_az: true }
services:
  tf:
    tier: gold
    hours: "Mon-Fri 08:00-18:00"
    match: [{ paths: ["terraform/big/**"] }]
  cfn:
    tier: gold
    hours: "Mon-Fri 08:00-18:00"
    match: [{ paths: ["cfn/big/**"] }]
"""


def tf_group(i, single=None):
    """Ten resources (one group of the mix)."""
    multi_az = "false" if single == i else "true"
    return f'''resource "aws_db_instance" "db{i}" {{
  multi_az                = {multi_az}
  backup_retention_period = var.retention
  maintenance_window      = "sun:03:00-sun:03:30"
}}
resource "aws_autoscaling_group" "asg{i}" {{
  name                = "asg-{i}"
  min_size            = 2
  vpc_zone_identifier = ["a", "b"]
}}
resource "aws_autoscaling_schedule" "night{i}" {{
  autoscaling_group_name = "asg-{i}"
  recurrence             = "0 22 * * *"
  min_size               = 2
}}
resource "aws_rds_cluster" "c{i}" {{
  cluster_identifier = "c-{i}"
}}
resource "aws_rds_cluster_instance" "c{i}a" {{
  cluster_identifier = aws_rds_cluster.c{i}.id
  availability_zone  = "eu-west-1a"
}}
resource "aws_rds_cluster_instance" "c{i}b" {{
  cluster_identifier = aws_rds_cluster.c{i}.id
  availability_zone  = "eu-west-1b"
}}
resource "aws_ecs_service" "svc{i}" {{
  name          = "svc-{i}"
  desired_count = 2
  network_configuration {{
    subnets = ["a", "b"]
  }}
}}
resource "aws_appautoscaling_target" "svc{i}" {{
  resource_id        = "service/main/${{aws_ecs_service.svc{i}.name}}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 2
}}
resource "aws_elasticache_cluster" "cache{i}" {{
  az_mode         = "cross-az"
  num_cache_nodes = 2
}}
resource "aws_instance" "vm{i}" {{
  ami = var.ami
}}
'''


def terraform(single=None):
    head = 'variable "retention" {\n  default = 7\n}\nvariable "ami" {\n  default = "ami-1"\n}\n'
    return head + "".join(tf_group(i, single) for i in range(TF_RESOURCES // 10))


def cfn_group(i, single=None):
    """Ten resources."""
    multi_az = "false" if single == i else "true"
    return f"""  Db{i}:
    Type: AWS::RDS::DBInstance
    Properties: {{MultiAZ: {multi_az}, BackupRetentionPeriod: !Ref Retention}}
  Asg{i}:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties: {{AutoScalingGroupName: asg-{i}, MinSize: 2, VPCZoneIdentifier: [a, b]}}
  Night{i}:
    Type: AWS::AutoScaling::ScheduledAction
    Properties: {{AutoScalingGroupName: asg-{i}, Recurrence: 0 22 * * *, MinSize: 2}}
  Cluster{i}:
    Type: AWS::RDS::DBCluster
    Properties: {{Engine: aurora-postgresql}}
  Member{i}a:
    Type: AWS::RDS::DBInstance
    Properties: {{DBClusterIdentifier: !Ref Cluster{i}, AvailabilityZone: eu-west-1a}}
  Member{i}b:
    Type: AWS::RDS::DBInstance
    Properties: {{DBClusterIdentifier: !Ref Cluster{i}, AvailabilityZone: eu-west-1b}}
  Svc{i}:
    Type: AWS::ECS::Service
    Properties: {{DesiredCount: 2, NetworkConfiguration: {{AwsvpcConfiguration: {{Subnets: [a, b]}}}}}}
  Target{i}:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties: {{MinCapacity: 2, ResourceId: !Join [/, [service, main, !GetAtt Svc{i}.Name]], ScalableDimension: ecs:service:DesiredCount}}
  Warehouse{i}:
    Type: AWS::Redshift::Cluster
    Properties: {{MultiAZ: true, PreferredMaintenanceWindow: sun:03:00-sun:03:30}}
  Vm{i}:
    Type: AWS::EC2::Instance
    Properties: {{ImageId: !Ref Ami}}
"""


def cloudformation(single=None):
    head = (
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Parameters:\n  Retention: {Type: Number, Default: 7}\n  Ami: {Type: String, Default: ami-1}\n"
        "Resources:\n"
    )
    return head + "".join(cfn_group(i, single) for i in range(CFN_RESOURCES // 10))


def main():
    args, env, fi = new_repo(__doc__)
    base = fi.commit("main", "base: 50,000 Terraform and 20,000 CloudFormation resources", [
        ("continuity.yaml", PLAN),
        ("terraform/big/main.tf", terraform()),
        ("cfn/big/template.yaml", cloudformation()),
    ])
    middle_tf, middle_cfn = TF_RESOURCES // 20, CFN_RESOURCES // 20
    fi.commit("tf50k", "one database single-zone", [("terraform/big/main.tf", terraform(middle_tf))],
              parent=base, when=1764000600)
    fi.commit("cfn20k", "one database single-zone", [("cfn/big/template.yaml", cloudformation(middle_cfn))],
              parent=base, when=1764000600)
    fi.done()
    subprocess.run(["git", "-C", args.dir, "repack", "-adq"], check=True, env=env)
    subprocess.run(["git", "-C", args.dir, "checkout", "-q", "main"], check=True, env=env)
    print(f"generated {args.dir}: branches main, tf50k, cfn20k")


if __name__ == "__main__":
    main()
