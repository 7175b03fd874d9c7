"""AWS: EC2 instances through the EC2 Query API, signed (SigV4) and parsed by botocore.

The key is imported as an EC2 key pair; cloud-init is told to let root log in with it (Ubuntu's
images otherwise point root at the `ubuntu` user). Instances join a `shipyard` security group
that opens SSH, HTTP and HTTPS, created in the default VPC on first use. botocore is
synchronous, so each call runs in a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shipyard.providers.base import Driver, Machine, MachineSpec, ProviderError, key_name, sentence

if TYPE_CHECKING:
    from types_boto3_ec2.client import EC2Client
    from types_boto3_ec2.type_defs import EbsBlockDeviceTypeDef, InstanceTypeDef

T = TypeVar("T")
CANONICAL = "099720109477"  # the AWS account that publishes Ubuntu's images
CODENAMES = {"20.04": "focal", "22.04": "jammy", "24.04": "noble"}
SECURITY_GROUP = "shipyard"
OPEN_PORTS = (22, 80, 443)
USER_DATA = "#cloud-config\ndisable_root: false\n"
GONE_STATES = ("shutting-down", "terminated")
NOT_FOUND = ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed")


class AwsError(ProviderError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


async def call_aws(run: Callable[[], T], operation: str, *, who: str, where: str) -> T:
    """Run one botocore call in a thread: a refusal is an AwsError (with AWS's code) saying `who`
    refused `operation`, an unreachable endpoint a ProviderError saying `where` it was."""
    try:
        return await asyncio.to_thread(run)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        raise AwsError(
            sentence(f"{who} refused {operation} ({code}): {error.get('Message', '')}"), code
        ) from exc
    except BotoCoreError as exc:
        raise ProviderError(sentence(f"Could not reach {where}: {exc}")) from exc


class Aws(Driver):
    label = "AWS"

    def __init__(self, endpoint_url: str, region: str, key: str, secret: str) -> None:
        self.endpoint_url = endpoint_url.format(region=region)
        self.region = region
        self._key = key
        self._secret = secret

    def _client(self) -> EC2Client:
        session = botocore.session.Session()
        client = session.create_client(
            "ec2",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self._key,
            aws_secret_access_key=self._secret,
            config=Config(
                retries={"mode": "standard", "total_max_attempts": 2},
                connect_timeout=10,
                read_timeout=30,
            ),
        )
        return cast("EC2Client", client)

    async def _call(self, operation: str, action: Callable[[EC2Client], T]) -> T:
        """Run one EC2 action; AWS's refusals and unreachable endpoints become ProviderErrors."""
        return await call_aws(
            lambda: action(self._client()), operation, who="AWS", where=f"AWS EC2 at {self.endpoint_url}"
        )

    async def _ensure_key_pair(self, public_key: str) -> str:
        name = key_name(public_key)
        try:
            await self._call("DescribeKeyPairs", lambda ec2: ec2.describe_key_pairs(KeyNames=[name]))
        except AwsError as exc:
            if exc.code != "InvalidKeyPair.NotFound":
                raise
            try:
                await self._call(
                    "ImportKeyPair",
                    lambda ec2: ec2.import_key_pair(KeyName=name, PublicKeyMaterial=public_key.encode()),
                )
            except AwsError as again:
                if again.code != "InvalidKeyPair.Duplicate":  # imported meanwhile
                    raise
        return name

    async def _ensure_security_group(self) -> str:
        found = await self._call(
            "DescribeSecurityGroups",
            lambda ec2: ec2.describe_security_groups(
                Filters=[{"Name": "group-name", "Values": [SECURITY_GROUP]}]
            ),
        )
        if found.get("SecurityGroups"):
            return found["SecurityGroups"][0]["GroupId"]
        created = await self._call(
            "CreateSecurityGroup",
            lambda ec2: ec2.create_security_group(
                GroupName=SECURITY_GROUP, Description="Shipyard servers: SSH, HTTP and HTTPS"
            ),
        )
        group_id = created["GroupId"]
        await self._call(
            "AuthorizeSecurityGroupIngress",
            lambda ec2: ec2.authorize_security_group_ingress(
                GroupId=group_id,
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": port,
                        "ToPort": port,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                        "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                    }
                    for port in OPEN_PORTS
                ],
            ),
        )
        return group_id

    async def _image(self, version: str) -> tuple[str, str]:
        """The newest Ubuntu `version` image for x86_64 in the region: its id and root device."""
        codename = CODENAMES.get(version)
        if codename is None:
            raise self.unsupported_version(version)
        found = await self._call(
            "DescribeImages",
            lambda ec2: ec2.describe_images(
                Owners=[CANONICAL],
                Filters=[
                    {
                        "Name": "name",
                        "Values": [f"ubuntu/images/*/ubuntu-{codename}-{version}-amd64-server-*"],
                    },
                    {"Name": "architecture", "Values": ["x86_64"]},
                    {"Name": "state", "Values": ["available"]},
                ],
            ),
        )
        images = [i for i in found.get("Images", []) if i.get("ImageId")]
        if not images:
            raise ProviderError(f"AWS has no Ubuntu {version} image in {self.region}.")
        newest = max(images, key=lambda i: i.get("CreationDate", ""))
        return newest["ImageId"], newest.get("RootDeviceName", "/dev/sda1")

    async def create_machine(self, spec: MachineSpec) -> Machine:
        key_pair = await self._ensure_key_pair(spec.public_key)
        group_id = await self._ensure_security_group()
        image_id, root_device = await self._image(spec.ubuntu_version)
        ebs: EbsBlockDeviceTypeDef = {"VolumeType": "gp3", "DeleteOnTermination": True}
        if spec.disk_size:
            ebs["VolumeSize"] = spec.disk_size
        started = await self._call(
            "RunInstances",
            lambda ec2: ec2.run_instances(
                ImageId=image_id,
                InstanceType=cast(Any, spec.size),
                MinCount=1,
                MaxCount=1,
                KeyName=key_pair,
                SecurityGroupIds=[group_id],
                UserData=USER_DATA,
                BlockDeviceMappings=[{"DeviceName": root_device, "Ebs": ebs}],
                TagSpecifications=[
                    {
                        "ResourceType": "instance",
                        "Tags": [
                            {"Key": "Name", "Value": spec.name},
                            {"Key": "managed-by", "Value": "shipyard"},
                        ],
                    }
                ],
            ),
        )
        instances = started.get("Instances", [])
        if not instances or "InstanceId" not in instances[0]:
            raise ProviderError("AWS answered RunInstances without an instance.")
        return _machine(instances[0])

    async def describe_machine(self, machine_id: str) -> Machine | None:
        try:
            found = await self._call(
                "DescribeInstances", lambda ec2: ec2.describe_instances(InstanceIds=[machine_id])
            )
        except AwsError as exc:
            if exc.code in NOT_FOUND:
                return None
            raise
        instances = [i for r in found.get("Reservations", []) for i in r.get("Instances", [])]
        if not instances or instances[0].get("State", {}).get("Name") in GONE_STATES:
            return None
        return _machine(instances[0])

    async def delete_machine(self, machine_id: str) -> None:
        try:
            await self._call(
                "TerminateInstances", lambda ec2: ec2.terminate_instances(InstanceIds=[machine_id])
            )
        except AwsError as exc:
            if exc.code not in NOT_FOUND:
                raise


def _machine(instance: InstanceTypeDef) -> Machine:
    return Machine(instance["InstanceId"], instance.get("PublicIpAddress"), instance.get("PrivateIpAddress"))
