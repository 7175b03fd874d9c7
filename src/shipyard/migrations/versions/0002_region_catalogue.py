"""region catalogue: the regions and sizes `GET /regions` lists and server creation validates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIZES = {
    "ocean2": [
        ("01", "s-1vcpu-1gb", "1GB RAM - 1 CPU Core - 25GB SSD"),
        ("02", "s-1vcpu-2gb", "2GB RAM - 1 CPU Core - 50GB SSD"),
        ("03", "s-2vcpu-2gb", "2GB RAM - 2 CPU Cores - 60GB SSD"),
        ("04", "s-2vcpu-4gb", "4GB RAM - 2 CPU Cores - 80GB SSD"),
        ("05", "s-4vcpu-8gb", "8GB RAM - 4 CPU Cores - 160GB SSD"),
        ("06", "s-8vcpu-16gb", "16GB RAM - 8 CPU Cores - 320GB SSD"),
    ],
    "akamai": [
        ("01", "g6-nanode-1", "1GB RAM - 1 CPU Core - 25GB SSD"),
        ("02", "g6-standard-1", "2GB RAM - 1 CPU Core - 50GB SSD"),
        ("03", "g6-standard-2", "4GB RAM - 2 CPU Cores - 80GB SSD"),
        ("04", "g6-standard-4", "8GB RAM - 4 CPU Cores - 160GB SSD"),
    ],
    "vultr2": [
        ("01", "vc2-1c-1gb", "1GB RAM - 1 CPU Core - 25GB SSD"),
        ("02", "vc2-1c-2gb", "2GB RAM - 1 CPU Core - 55GB SSD"),
        ("03", "vc2-2c-4gb", "4GB RAM - 2 CPU Cores - 80GB SSD"),
        ("04", "vc2-4c-8gb", "8GB RAM - 4 CPU Cores - 160GB SSD"),
    ],
    "aws": [
        ("01", "t3.micro", "1GB RAM - 2 vCPUs"),
        ("02", "t3.small", "2GB RAM - 2 vCPUs"),
        ("03", "t3.medium", "4GB RAM - 2 vCPUs"),
        ("04", "t3.large", "8GB RAM - 2 vCPUs"),
    ],
    "hetzner": [
        ("01", "cpx11", "2GB RAM - 2 vCPUs - 40GB SSD"),
        ("02", "cx22", "4GB RAM - 2 vCPUs - 40GB SSD"),
        ("03", "cx32", "8GB RAM - 4 vCPUs - 80GB SSD"),
        ("04", "cx42", "16GB RAM - 8 vCPUs - 160GB SSD"),
    ],
}

REGIONS = {
    "ocean2": [
        ("ams3", "Amsterdam 3"),
        ("blr1", "Bangalore 1"),
        ("fra1", "Frankfurt 1"),
        ("lon1", "London 1"),
        ("nyc1", "New York 1"),
        ("nyc3", "New York 3"),
        ("sfo3", "San Francisco 3"),
        ("sgp1", "Singapore 1"),
        ("syd1", "Sydney 1"),
        ("tor1", "Toronto 1"),
    ],
    "akamai": [
        ("us-east", "Newark, NJ"),
        ("us-central", "Dallas, TX"),
        ("us-west", "Fremont, CA"),
        ("eu-west", "London, UK"),
        ("eu-central", "Frankfurt, DE"),
        ("ap-south", "Singapore, SG"),
        ("ap-northeast", "Tokyo, JP"),
    ],
    "vultr2": [
        ("ewr", "New Jersey"),
        ("ord", "Chicago"),
        ("dfw", "Dallas"),
        ("lax", "Los Angeles"),
        ("ams", "Amsterdam"),
        ("fra", "Frankfurt"),
        ("lhr", "London"),
        ("sgp", "Singapore"),
        ("nrt", "Tokyo"),
    ],
    "aws": [
        ("us-east-1", "US East (N. Virginia)"),
        ("us-east-2", "US East (Ohio)"),
        ("us-west-2", "US West (Oregon)"),
        ("eu-west-1", "Europe (Ireland)"),
        ("eu-central-1", "Europe (Frankfurt)"),
        ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ],
    "hetzner": [
        ("fsn1", "Falkenstein"),
        ("nbg1", "Nuremberg"),
        ("hel1", "Helsinki"),
        ("ash", "Ashburn, VA"),
        ("hil", "Hillsboro, OR"),
    ],
}


def upgrade() -> None:
    regions = sa.table(
        "regions",
        sa.column("id", sa.Integer),
        sa.column("provider", sa.String),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
    )
    sizes = sa.table(
        "region_sizes",
        sa.column("region_id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("slug", sa.String),
        sa.column("name", sa.String),
    )
    region_rows, size_rows = [], []
    region_id = 0
    for provider, provider_regions in REGIONS.items():
        for code, name in provider_regions:
            region_id += 1
            region_rows.append({"id": region_id, "provider": provider, "code": code, "name": name})
            size_rows += [
                {"region_id": region_id, "code": c, "slug": s, "name": n} for c, s, n in SIZES[provider]
            ]
    op.bulk_insert(regions, region_rows)
    op.bulk_insert(sizes, size_rows)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('regions', 'id'), (SELECT max(id) FROM regions))")


def downgrade() -> None:
    op.execute("DELETE FROM region_sizes")
    op.execute("DELETE FROM regions")
