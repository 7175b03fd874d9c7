"""S3-compatible object storage for backups, through botocore: Shipyard, not the host, talks to it.

Providers: `s3` (Amazon S3; botocore derives the endpoint from the region), `spaces`
(DigitalOcean Spaces: `https://{region}.digitaloceanspaces.com` unless an endpoint is given)
and `custom` (any S3-compatible storage at `endpoint`, addressed path-style). Archives go up
as multipart uploads read from a file one part at a time, and come down streamed into a file.
botocore is synchronous, so each call runs in a thread. The keys never appear in a message:
the storage's reasons are quoted with them masked.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal, TypeVar, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shipyard.core.script import MASK

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client
    from types_boto3_s3.type_defs import CompletedPartTypeDef

T = TypeVar("T")
PROVIDERS = {"s3": "Amazon S3", "spaces": "DigitalOcean Spaces", "custom": "Custom (S3 Compatible)"}
PART_SIZE = 16 * 1024 * 1024  # one part in memory at a time; 10,000 parts make 160 GiB
CHUNK_SIZE = 1024 * 1024
DEFAULT_REGION = "us-east-1"
Addressing = Literal["auto", "virtual", "path"]
ADDRESSING: dict[str, Addressing] = {"s3": "auto", "spaces": "virtual", "custom": "path"}


class StorageError(Exception):
    """The storage refused a request or could not be reached; the message is fit for an event."""


@dataclass(frozen=True)
class Credentials:
    """Where the archives go and the keys that open it (stored encrypted, never shown)."""

    bucket: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    region: str | None = None
    endpoint: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        data = json.loads(text)
        return cls(
            bucket=data["bucket"],
            access_key=data["access_key"],
            secret_key=data["secret_key"],
            region=data.get("region"),
            endpoint=data.get("endpoint"),
        )


def endpoint_url(provider: str, credentials: Credentials) -> str | None:
    """The URL Shipyard sends requests to (None: Amazon's own, from the region)."""
    if provider == "s3":
        return None
    if provider == "spaces":
        return credentials.endpoint or f"https://{credentials.region}.digitaloceanspaces.com"
    return credentials.endpoint


class Storage:
    """One bucket of one provider, reached with the configuration's keys."""

    def __init__(self, provider: str, credentials: Credentials) -> None:
        if provider not in PROVIDERS:
            raise ValueError(f"not a storage provider: {provider!r}")
        self.provider = provider
        self.credentials = credentials
        self.endpoint = endpoint_url(provider, credentials)

    @property
    def bucket(self) -> str:
        return self.credentials.bucket

    def describe(self) -> str:
        """The bucket and where it is, for events (no keys)."""
        where = self.endpoint or f"Amazon S3 ({self.credentials.region})"
        return f"bucket {self.bucket} at {where}"

    def _client(self) -> S3Client:
        client = botocore.session.Session().create_client(
            "s3",
            region_name=self.credentials.region or DEFAULT_REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id=self.credentials.access_key,
            aws_secret_access_key=self.credentials.secret_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": ADDRESSING[self.provider]},
                retries={"mode": "standard", "total_max_attempts": 3},
                connect_timeout=10,
                read_timeout=60,
                # Many S3-compatible stores refuse the newer default checksum headers.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        return cast("S3Client", client)

    def _mask(self, text: str) -> str:
        for secret in (self.credentials.secret_key, self.credentials.access_key):
            if secret:
                text = text.replace(secret, MASK)
        return text

    async def _call(self, operation: str, action: Callable[[S3Client], T]) -> T:
        """Run `action` with a fresh client in a thread; refusals and network errors become StorageErrors."""
        try:
            return await asyncio.to_thread(lambda: action(self._client()))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code") or str(
                exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            )
            message = error.get("Message") or ""
            reason = f"{PROVIDERS[self.provider]} refused {operation} on {self.describe()} ({code})"
            raise StorageError(self._mask(f"{reason}: {message}" if message else reason + ".")) from exc
        except (BotoCoreError, OSError) as exc:
            raise StorageError(self._mask(f"{operation} on {self.describe()} failed: {exc}")) from exc

    async def check(self, directory: str) -> None:
        """Prove the keys may write and delete in the bucket: put a small marker there, then delete it."""
        key = f"{directory}/" if directory else ""
        key += f".shipyard-check-{uuid.uuid4().hex}"
        await self._call(
            "PutObject",
            lambda s3: s3.put_object(Bucket=self.bucket, Key=key, Body=b"shipyard storage check\n"),
        )
        await self._call("DeleteObject", lambda s3: s3.delete_object(Bucket=self.bucket, Key=key))

    async def upload(self, path: str, key: str) -> None:
        """Store the file at `path` as `key`, part by part; a failed upload is aborted, leaving nothing."""

        def upload(s3: S3Client) -> None:
            started = s3.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType="application/gzip")
            upload_id = started["UploadId"]
            try:
                parts: list[CompletedPartTypeDef] = []
                with open(path, "rb") as source:
                    chunk = source.read(PART_SIZE)
                    while True:  # at least one part, even for an empty file
                        number = len(parts) + 1
                        sent = s3.upload_part(
                            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=chunk
                        )
                        parts.append({"ETag": sent["ETag"], "PartNumber": number})
                        chunk = source.read(PART_SIZE)
                        if not chunk:
                            break
                s3.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
            except BaseException:
                with contextlib.suppress(BotoCoreError, ClientError):
                    s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                raise

        await self._call("upload the archive", upload)

    async def download(self, key: str, path: str, *, bucket: str | None = None) -> None:
        """Write the object `key` (of `bucket`, default the configured one) into the file at `path`."""

        def download(s3: S3Client) -> None:
            body = s3.get_object(Bucket=bucket or self.bucket, Key=key)["Body"]
            with open(path, "wb") as target:
                for chunk in body.iter_chunks(CHUNK_SIZE):
                    target.write(chunk)

        await self._call("download the archive", download)

    async def delete(self, key: str, *, bucket: str | None = None) -> None:
        """Delete the object `key` (of `bucket`, default the configured one); a missing one is no error."""
        await self._call("DeleteObject", lambda s3: s3.delete_object(Bucket=bucket or self.bucket, Key=key))
