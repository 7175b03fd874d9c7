"""A local S3 for the tests: moto's server on a loopback port, with IAM authentication switched on
so that wrong keys are refused the way a real storage refuses them.

At start an IAM user allowed `s3:*` and its access key are made (while moto still lets
unsigned requests through); from then on every request must be signed with that key.
Shipyard reaches it as a `custom` provider at `endpoint`; the test hosts never need to.
"""

from __future__ import annotations

import json
import secrets
import tarfile
from io import BytesIO
from typing import TYPE_CHECKING, Any, cast

import botocore.session
import httpx
from botocore.config import Config
from moto.server import ThreadedMotoServer

from tests.support.postgres import free_port

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

REGION = "us-east-1"


class LocalS3:
    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.access_key = ""
        self.secret_key = ""
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def _client(self, service: str, key: str, secret: str) -> Any:
        return botocore.session.Session().create_client(
            service,
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=Config(s3={"addressing_style": "path"}),
        )

    def start(self) -> LocalS3:
        self._server.start()
        iam = self._client("iam", "bootstrap", "bootstrap")
        iam.create_user(UserName="shipyard")
        iam.put_user_policy(
            UserName="shipyard",
            PolicyName="backups",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="shipyard")["AccessKey"]
        self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]
        enabled = httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=b"0")
        assert enabled.status_code == 200, enabled.text
        return self

    def stop(self) -> None:
        self._server.stop()

    def client(self) -> S3Client:
        return cast("S3Client", self._client("s3", self.access_key, self.secret_key))

    def new_bucket(self) -> str:
        name = f"e2e-backups-{secrets.token_hex(4)}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def archive(self, bucket: str, key: str) -> dict[str, str]:
        """The members of the tar.gz object `key` and their text."""
        body = self.client().get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=BytesIO(body), mode="r:gz") as archive:
            members = {}
            for member in archive.getmembers():
                extracted = archive.extractfile(member)
                assert extracted is not None, member.name
                members[member.name] = extracted.read().decode()
        return members

    def empty(self, bucket: str) -> None:
        """Delete the bucket and everything in it."""
        for key in self.keys(bucket):
            self.client().delete_object(Bucket=bucket, Key=key)
        self.client().delete_bucket(Bucket=bucket)
