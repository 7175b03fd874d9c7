"""A fake AWS EC2 Query API (version 2016-11-15): key pairs, a security group, images, instances.

Every request's SigV4 signature is recomputed with the fake's secret (botocore's signer, fed the
request's own date, scope and signed headers) and must match.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.fakes.base import Call, FakeCloud, FakeMachine
from tests.support.hosts import HostPool

NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"
CANONICAL = "099720109477"
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/ec2/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})\Z"
)
IMAGES = [  # an older and a newer build of each release: the newest must be chosen
    (
        f"ami-{codename}{build}",
        f"ubuntu/images/hvm-ssd-gp3/ubuntu-{codename}-{version}-amd64-server-2026010{build}",
        f"2026-01-0{build}T00:00:00.000Z",
    )
    for codename, version in (("focal", "20.04"), ("jammy", "22.04"), ("noble", "24.04"))
    for build in (1, 2)
]


def error(status: int, code: str, message: str) -> Response:
    return Response(
        f"<?xml version='1.0' encoding='UTF-8'?>\n<Response><Errors><Error><Code>{code}</Code>"
        f"<Message>{escape(message)}</Message></Error></Errors><RequestID>fake-request</RequestID></Response>",
        status_code=status,
        media_type="text/xml",
    )


def answer(action: str, inner: str) -> Response:
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{action}Response xmlns="{NAMESPACE}">'
        f"<requestId>fake-request</requestId>{inner}</{action}Response>",
        media_type="text/xml",
    )


def indexed(params: dict[str, str], prefix: str) -> list[str]:
    """`Prefix.1`, `Prefix.2`, ... as a list."""
    values, index = [], 1
    while f"{prefix}.{index}" in params:
        values.append(params[f"{prefix}.{index}"])
        index += 1
    return values


class FakeAws(FakeCloud):
    def __init__(self, hosts: HostPool, key: str, secret: str) -> None:
        self.key, self.secret = key, secret
        self.key_pairs: dict[str, str] = {}  # name -> public key
        self.groups: dict[str, dict[str, Any]] = {}  # id -> {"name", "ports"}
        self.regions: set[str] = set()
        super().__init__(hosts)

    def routes(self) -> list[Route]:
        return [Route("/", self.query, methods=["POST"])]

    def deletes(self, machine_id: str) -> list[Call]:
        return [
            c
            for c in self.calls
            if isinstance(c.body, dict)
            and c.body.get("Action") == "TerminateInstances"
            and machine_id in indexed(c.body, "InstanceId")
        ]

    def _signature_problem(self, request: Request, body: bytes) -> Response | None:
        match = AUTHORIZATION.match(request.headers.get("authorization", ""))
        if match is None or "x-amz-date" not in request.headers:
            return error(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
        if match["key"] != self.key:
            return error(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
        signed = match["signed"].split(";")
        if "host" not in signed or "x-amz-date" not in signed:
            return error(403, "SignatureDoesNotMatch", "host and x-amz-date must be signed")
        copy = AWSRequest(
            method=request.method,
            url=str(request.url),
            data=body,
            headers={name: request.headers.get(name, "") for name in signed},
        )
        copy.context["timestamp"] = request.headers["x-amz-date"]
        signer = SigV4Auth(Credentials(self.key, self.secret), "ec2", match["region"])
        expected = signer.signature(signer.string_to_sign(copy, signer.canonical_request(copy)), copy)
        if expected != match["signature"]:
            return error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method.",
            )
        self.regions.add(match["region"])
        return None

    async def query(self, request: Request) -> Response:
        call = await self.record(request)
        raw = call.body.encode() if call.body else b""
        params = dict(parse_qsl(call.body or "", keep_blank_values=True))
        call.body = params
        if problem := self._signature_problem(request, raw):
            return problem
        if params.get("Version") != "2016-11-15":
            return error(400, "InvalidParameterValue", "Unsupported Version")
        handler = getattr(self, f"do_{params.get('Action', '')}", None)
        if handler is None:
            return error(
                400, "InvalidAction", f"The action {params.get('Action')} is not valid for this web service."
            )
        response: Response = await handler(params)
        return response

    async def do_DescribeKeyPairs(self, params: dict[str, str]) -> Response:
        names = indexed(params, "KeyName")
        missing = [n for n in names if n not in self.key_pairs]
        if missing:
            return error(400, "InvalidKeyPair.NotFound", f"The key pair '{missing[0]}' does not exist")
        items = "".join(
            f"<item><keyName>{escape(n)}</keyName><keyFingerprint>fp</keyFingerprint></item>" for n in names
        )
        return answer("DescribeKeyPairs", f"<keySet>{items}</keySet>")

    async def do_ImportKeyPair(self, params: dict[str, str]) -> Response:
        name = params.get("KeyName", "")
        if name in self.key_pairs:
            return error(400, "InvalidKeyPair.Duplicate", f"The keypair '{name}' already exists.")
        try:
            material = base64.b64decode(params["PublicKeyMaterial"], validate=True).decode()
        except (KeyError, ValueError):
            return error(400, "InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format")
        if not material.startswith("ssh-ed25519 ") and not material.startswith("ssh-rsa "):
            return error(400, "InvalidKeyPair.Format", "Key is not in valid OpenSSH public key format")
        self.key_pairs[name] = material
        return answer(
            "ImportKeyPair",
            f"<keyName>{escape(name)}</keyName><keyFingerprint>fp</keyFingerprint><keyPairId>key-1</keyPairId>",
        )

    async def do_DescribeSecurityGroups(self, params: dict[str, str]) -> Response:
        wanted = indexed(params, "Filter.1.Value") if params.get("Filter.1.Name") == "group-name" else None
        items = "".join(
            f"<item><groupId>{gid}</groupId><groupName>{escape(g['name'])}</groupName></item>"
            for gid, g in self.groups.items()
            if wanted is None or g["name"] in wanted
        )
        return answer("DescribeSecurityGroups", f"<securityGroupInfo>{items}</securityGroupInfo>")

    async def do_CreateSecurityGroup(self, params: dict[str, str]) -> Response:
        if not params.get("GroupName") or not params.get("GroupDescription"):
            return error(400, "MissingParameter", "GroupName and GroupDescription are required")
        group_id = f"sg-{self.next_id()}"
        self.groups[group_id] = {"name": params["GroupName"], "ports": []}
        return answer("CreateSecurityGroup", f"<return>true</return><groupId>{group_id}</groupId>")

    async def do_AuthorizeSecurityGroupIngress(self, params: dict[str, str]) -> Response:
        group = self.groups.get(params.get("GroupId", ""))
        if group is None:
            return error(400, "InvalidGroup.NotFound", "The security group does not exist")
        index = 1
        while f"IpPermissions.{index}.IpProtocol" in params:
            prefix = f"IpPermissions.{index}"
            group["ports"].append(
                (
                    params[f"{prefix}.IpProtocol"],
                    int(params[f"{prefix}.FromPort"]),
                    params.get(f"{prefix}.IpRanges.1.CidrIp"),
                )
            )
            index += 1
        return answer("AuthorizeSecurityGroupIngress", "<return>true</return>")

    async def do_DescribeImages(self, params: dict[str, str]) -> Response:
        if indexed(params, "Owner") != [CANONICAL]:
            return error(400, "InvalidParameterValue", "expected Canonical's images only")
        patterns = [
            params[f"Filter.{i}.Value.1"] for i in range(1, 10) if params.get(f"Filter.{i}.Name") == "name"
        ]
        regex = (
            re.compile("^" + ".*".join(re.escape(p) for p in patterns[0].split("*")) + r"\Z")
            if patterns
            else None
        )
        items = "".join(
            f"<item><imageId>{image_id}</imageId><name>{name}</name><creationDate>{created}</creationDate>"
            f"<imageState>available</imageState><architecture>x86_64</architecture>"
            f"<rootDeviceName>/dev/sda1</rootDeviceName></item>"
            for image_id, name, created in IMAGES
            if regex is None or regex.match(name)
        )
        return answer("DescribeImages", f"<imagesSet>{items}</imagesSet>")

    def _instance(self, machine: FakeMachine) -> str:
        state = ("16", "running") if machine.ip else ("0", "pending")
        if machine.deleted:
            state = ("48", "terminated")
        address = f"<ipAddress>{machine.ip}</ipAddress>" if machine.ip else ""
        return (
            f"<item><instanceId>{machine.id}</instanceId><imageId>{machine.request['ImageId']}</imageId>"
            f"<instanceState><code>{state[0]}</code><name>{state[1]}</name></instanceState>"
            f"<instanceType>{escape(machine.request['InstanceType'])}</instanceType>"
            f"<keyName>{escape(machine.request['KeyName'])}</keyName>{address}</item>"
        )

    async def do_RunInstances(self, params: dict[str, str]) -> Response:
        for required in ("ImageId", "InstanceType", "MinCount", "MaxCount"):
            if required not in params:
                return error(400, "MissingParameter", f"The request must contain the parameter {required}")
        if params["ImageId"] not in {image_id for image_id, _, _ in IMAGES}:
            return error(400, "InvalidAMIID.NotFound", f"The image id '[{params['ImageId']}]' does not exist")
        public_key = self.key_pairs.get(params.get("KeyName", ""))
        if public_key is None:
            return error(
                400, "InvalidKeyPair.NotFound", f"The key pair '{params.get('KeyName')}' does not exist"
            )
        if any(g not in self.groups for g in indexed(params, "SecurityGroupId")):
            return error(400, "InvalidGroup.NotFound", "The security group does not exist")
        tags = {
            params[f"TagSpecification.1.Tag.{i}.Key"]: params.get(f"TagSpecification.1.Tag.{i}.Value", "")
            for i in range(1, 10)
            if f"TagSpecification.1.Tag.{i}.Key" in params
        }
        try:
            user_data = base64.b64decode(params.get("UserData", ""), validate=True).decode()
        except ValueError:
            return error(400, "InvalidParameterValue", "Invalid BASE64 encoding of user data.")
        if "disable_root: false" not in user_data.splitlines():
            # What cloud-init does on Ubuntu's images by default: root's key only says "use ubuntu".
            public_key = (
                f'command="echo Please login as the user ubuntu rather than root;exit 142" {public_key}'
            )
        machine = self.launch(f"i-0{self.next_id():016x}", tags.get("Name", ""), public_key, params)
        return answer(
            "RunInstances",
            f"<reservationId>r-1</reservationId><ownerId>123456789012</ownerId>"
            f"<instancesSet>{self._instance(machine)}</instancesSet>",
        )

    async def do_DescribeInstances(self, params: dict[str, str]) -> Response:
        ids = indexed(params, "InstanceId")
        missing = [i for i in ids if i not in self.machines]
        if missing:
            return error(400, "InvalidInstanceID.NotFound", f"The instance ID '{missing[0]}' does not exist")
        items = "".join(self._instance(self.machines[i]) for i in ids)
        return answer(
            "DescribeInstances",
            f"<reservationSet><item><reservationId>r-1</reservationId><ownerId>123456789012</ownerId>"
            f"<instancesSet>{items}</instancesSet></item></reservationSet>",
        )

    async def do_TerminateInstances(self, params: dict[str, str]) -> Response:
        ids = indexed(params, "InstanceId")
        missing = [i for i in ids if i not in self.machines]
        if missing:
            return error(400, "InvalidInstanceID.NotFound", f"The instance ID '{missing[0]}' does not exist")
        if self.refuse_delete:
            return error(self.refuse_delete[0], "UnauthorizedOperation", self.refuse_delete[1])
        items = ""
        for instance_id in ids:
            await self.remove(self.machines[instance_id])
            items += (
                f"<item><instanceId>{instance_id}</instanceId><currentState><code>32</code>"
                f"<name>shutting-down</name></currentState><previousState><code>16</code>"
                f"<name>running</name></previousState></item>"
            )
        return answer("TerminateInstances", f"<instancesSet>{items}</instancesSet>")
