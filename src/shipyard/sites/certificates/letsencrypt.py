"""Ordering a certificate over ACME (RFC 8555) with HTTP-01 or DNS-01 challenges, through the
`acme` library.

The library blocks (it speaks HTTP with `requests`): callers run these functions in a thread.
An order goes: `connect` (with Shipyard's account at the directory, made on first use), `place`
(the order for a signing request, and the key authorizations to publish), then, once the host
serves each at `http://<domain>/.well-known/acme-challenge/<token>` (HTTP-01) or the DNS has
each TXT record at `_acme-challenge.<domain>` (DNS-01; a wildcard `*.<domain>` is validated
there too), `finish` (answer, wait for the CA to validate, finalize, download the certificate
with its chain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from acme import challenges, client, errors, messages
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from josepy.jwk import JWKRSA

from shipyard.sites.certificates.pki import key_pem

USER_AGENT = "shipyard"
ORDER_SECONDS = 90  # how long the CA may take to validate and issue
ACCOUNT_BITS = 2048


class AcmeFailed(Exception):
    """The CA refused or could not be reached; the message says why."""


@dataclass(frozen=True)
class Account:
    """An account at an ACME directory: its private key (PEM) and its URL."""

    key: str
    uri: str


@dataclass(frozen=True)
class Challenge:
    """What the host must serve: `validation` as the file `token` in `/.well-known/acme-challenge/`."""

    token: str
    validation: str


@dataclass
class Order:
    """An order waiting for its challenges to be answered."""

    acme: client.ClientV2
    resource: messages.OrderResource
    answers: list[tuple[messages.ChallengeBody, challenges.ChallengeResponse]] = field(default_factory=list)
    challenges: list[Challenge] = field(default_factory=list)  # HTTP-01
    records: dict[str, list[str]] = field(default_factory=dict)  # DNS-01: TXT name -> values


def _jwk(pem: str) -> JWKRSA:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise AcmeFailed("the stored ACME account key is not an RSA key")
    return JWKRSA(key=key)


def _describe(exc: Exception) -> str:
    if isinstance(exc, requests.RequestException):
        return f"the ACME server could not be reached: {exc}"
    return str(exc) or type(exc).__name__


def connect(directory: str, verify: bool | str, account: Account | None) -> tuple[client.ClientV2, Account]:
    """A client for the directory, acting as `account`; a new account when it is None."""
    key = account.key if account is not None else key_pem(rsa.generate_private_key(65537, ACCOUNT_BITS))
    registration = None
    if account is not None:
        registration = messages.RegistrationResource(uri=account.uri, body=messages.Registration())
    net = client.ClientNetwork(_jwk(key), account=registration, user_agent=USER_AGENT, verify_ssl=verify)  # type: ignore[arg-type]
    try:
        acme = client.ClientV2(client.ClientV2.get_directory(directory, net), net=net)
        if account is None:
            if acme.external_account_required():
                raise AcmeFailed(f"{directory} requires external account binding, which Shipyard does not do")
            created = acme.new_account(messages.NewRegistration.from_data(terms_of_service_agreed=True))
            account = Account(key, created.uri)
    except (errors.Error, messages.Error, requests.RequestException) as exc:
        raise AcmeFailed(_describe(exc)) from exc
    return acme, account


def is_unknown_account(exc: BaseException) -> bool:
    """Whether the CA no longer knows the account (a test CA restarted, say)."""
    cause = exc.__cause__
    return isinstance(cause, messages.Error) and cause.code == "accountDoesNotExist"


def place(acme: client.ClientV2, csr: str, *, dns: bool = False) -> Order:
    """Order a certificate for the signing request; the challenges to publish (HTTP-01, or with
    `dns` the TXT records of DNS-01) are in the result."""
    try:
        resource = acme.new_order(csr.encode())
    except (errors.Error, messages.Error, requests.RequestException) as exc:
        raise AcmeFailed(_describe(exc)) from exc
    order = Order(acme, resource)
    kind = challenges.DNS01 if dns else challenges.HTTP01
    for authorization in resource.authorizations:
        if authorization.body.status != messages.STATUS_PENDING:
            continue  # the CA still trusts an earlier validation of this name
        offered = [c for c in authorization.body.challenges if isinstance(c.chall, kind)]
        name = authorization.body.identifier.value
        if not offered:
            raise AcmeFailed(f"the CA offers no {kind.typ.upper()} challenge for {name}")
        response, validation = offered[0].response_and_validation(acme.net.key)
        order.answers.append((offered[0], response))
        if isinstance(offered[0].chall, challenges.DNS01):
            order.records.setdefault(offered[0].chall.validation_domain_name(name), []).append(validation)
        else:
            order.challenges.append(Challenge(offered[0].chall.encode("token"), validation))
    return order


def finish(order: Order, *, seconds: float = ORDER_SECONDS) -> str:
    """Answer the challenges, wait for validation and issuance; the certificate with its chain (PEM)."""
    # The library compares its deadlines with the naive local time.
    deadline = datetime.now() + timedelta(seconds=seconds)
    try:
        for challenge, response in order.answers:
            order.acme.answer_challenge(challenge, response)
        finished = order.acme.poll_and_finalize(order.resource, deadline)
    except (errors.Error, messages.Error, requests.RequestException) as exc:
        raise AcmeFailed(_describe(exc)) from exc
    if not finished.fullchain_pem:
        raise AcmeFailed("the CA finalized the order without a certificate")
    return str(finished.fullchain_pem)
