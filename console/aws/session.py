"""A Connection: one botocore session, its clients and the caller's identity, for one place.

The place (profile, region, endpoint) is resolved as the AWS CLI resolves it: explicit options
first, then the AWS_* environment variables, then the shared config files. Clients share one
botocore Config (adaptive retries, bounded timeouts) and the API Gateway clients share one
control-plane budget. botocore is used without boto3, whose import (s3transfer and its resource
layer, which the console never uses) cost a one-shot command a third of its time.
"""

from __future__ import annotations

import copy
import os
import threading
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from collections.abc import Iterator, Set
from typing import Callable
from urllib.parse import urlsplit

import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.configprovider import ConfiguredEndpointProvider
from botocore.credentials import CredentialProvider, DeferredRefreshableCredentials
from botocore.exceptions import DataNotFoundError, ProfileNotFound
from botocore.hooks import HierarchicalEmitter

from console import __version__
from console.aws.budget import TokenBucket
from console.aws.credentials import load as load_stored_key
from console.aws.credentials import session_credentials
from console.aws.errors import Problem, explain, no_credentials, reject_non_aws_answers, remember_request
from console.aws.local import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from console.aws.local import REGION as SANDBOX_REGION
from console.aws.profiles import is_keyring_profile
from console.aws.waits import MAX_ATTEMPTS, Waits
from console.model import Identity

CONTROL_PLANE = ("apigateway", "apigatewayv2")
READ_TIMEOUT = 8  # seconds for one attempt's answer; MAX_ATTEMPTS of them stay under 30 s with backoff


class MfaCancelled(Problem):
    def __init__(self) -> None:
        super().__init__("The MFA prompt was cancelled; nothing was switched.", kind="cancelled")


def _no_mfa_prompt(prompt: str) -> str:
    raise Problem(f"This profile needs an MFA code ({prompt}); open the console (`apigw-console`) to be asked "
                  "for it, or use a profile without MFA for scripts.", kind="credentials")


class _KeyringProvider(CredentialProvider):
    METHOD = "apigw-console-keyring"

    def __init__(self, refresh: Callable[[], dict]):
        super().__init__()
        self._refresh = refresh

    def load(self):
        return DeferredRefreshableCredentials(refresh_using=self._refresh, method=self.METHOD)


@dataclass(frozen=True)
class Resolved:
    """A setting as the AWS CLI v2 resolves it, and where it came from: "--region", "AWS_REGION",
    "profile prod", ... (None and "not set" when nothing names it)."""

    value: str | None
    source: str

    def __str__(self) -> str:
        return f"{self.value} ({self.source})" if self.value else "not set"


NOT_SET = Resolved(None, "not set")


def is_local(url: str | None) -> bool:
    """An address on this machine (a sandbox, moto, LocalStack): no real credentials needed."""
    host = urlsplit(url).hostname if url else None
    return host in ("localhost", "::1") or bool(host and host.startswith("127."))


@dataclass(frozen=True)
class Target:
    """Where to connect: the options given; what they leave open is resolved as the AWS CLI v2 does."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    sandbox: bool = False

    def with_region(self, region: str) -> "Target":
        return replace(self, region=region)

    @property
    def resolved_profile(self) -> Resolved:
        """--profile, else AWS_PROFILE, else default."""
        if self.profile:
            return Resolved(self.profile, "--profile")
        if os.environ.get("AWS_PROFILE"):
            return Resolved(os.environ["AWS_PROFILE"], "AWS_PROFILE")
        return Resolved("default", "default")

    @property
    def resolved_region(self) -> Resolved:
        """--region, else AWS_REGION, else AWS_DEFAULT_REGION, else the profile's (botocore reads no AWS_REGION)."""
        if self.region:
            return Resolved(self.region, "--region")
        for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if os.environ.get(name):
                return Resolved(os.environ[name], name)
        profile = self.resolved_profile.value
        region = _scoped_config(profile).get("region")
        return Resolved(region, f"profile {profile}") if region else NOT_SET

    def endpoint(self, service: str = "apigateway") -> Resolved:
        """--endpoint-url, else what botocore configures for `service` (AWS_ENDPOINT_URL_<SERVICE_ID>,
        AWS_ENDPOINT_URL, the profile's `services` section, its `endpoint_url`), else None: AWS's own."""
        if self.endpoint_url:
            return Resolved(self.endpoint_url, "--endpoint-url")
        if self.sandbox:
            return NOT_SET  # the sandbox's address is known once it runs (Connector fills endpoint_url)
        return _configured_endpoint(self.resolved_profile.value, service)

    @property
    def local(self) -> bool:
        """The API Gateway endpoint is on this machine, however it was named."""
        return is_local(self.endpoint().value)

    @property
    def placeholder_credentials(self) -> bool:
        """Use the sandbox's made-up keys: embedded sandbox, or a local endpoint with no profile named."""
        return self.sandbox or (self.local and self.profile is None)

    @property
    def label(self) -> str:
        """What the header calls this place: "sandbox", a local endpoint, or the profile."""
        if self.sandbox:
            return "sandbox"
        if self.placeholder_credentials:
            return f"local {urlsplit(self.endpoint().value).netloc}"
        return self.profile_name

    @property
    def profile_name(self) -> str:
        """The profile the AWS CLI would use: --profile, else AWS_PROFILE, else default."""
        return self.resolved_profile.value

    def resolution(self) -> str:
        """Each setting and where it came from, for the header and `info`: the AWS CLI's order, in words."""
        if self.sandbox:
            return "sandbox"
        endpoint = self.endpoint()
        parts = [f"profile {self.profile_name} ({self.resolved_profile.source})",
                 f"region {self.resolved_region}"]
        return " · ".join(parts + ([f"endpoint {endpoint}"] if endpoint.value else []))


def _files_and_environment() -> tuple:
    """What the shared config's reading depends on: AWS_* variables, HOME, and the files' change times."""
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_") or k == "HOME"))
    files = (os.environ.get("AWS_CONFIG_FILE", "~/.aws/config"),
             os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"))
    times = []
    for name in files:
        try:
            times.append(os.stat(os.path.expanduser(name)).st_mtime_ns)
        except OSError:
            times.append(None)
    return environment, tuple(times)


def _scoped_config(profile: str) -> dict:
    """The profile's section of the shared config ({} for a profile that has none, e.g. a keyring entry)."""
    return _session(profile, _files_and_environment()).full_config.get("profiles", {}).get(profile, {})


@lru_cache(maxsize=32)
def _session(profile: str, _state: tuple) -> botocore.session.Session:
    """A botocore session for reading configuration (building one takes ~50 ms): kept while the
    environment and the files it reads stay as they are."""
    return botocore.session.Session(profile=profile)


def _configured_endpoint(profile: str, service: str) -> Resolved:
    """botocore's own resolution of a configured endpoint (it reads these natively since 1.31), named."""
    session = _session(profile, _files_and_environment())
    scoped = session.full_config.get("profiles", {}).get(profile, {})
    try:
        ignore = session.get_config_variable("ignore_configured_endpoint_urls")
    except ProfileNotFound:  # a keyring entry: no section of its own, the environment still counts
        ignore = os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"
    if ignore:
        return NOT_SET
    provider = ConfiguredEndpointProvider(full_config=session.full_config, scoped_config=scoped,
                                          client_name=service)
    url = provider.provide()
    if not url:
        return NOT_SET
    service_var = provider._get_service_env_var_name()  # AWS_ENDPOINT_URL_API_GATEWAY; its rule is botocore's
    for source in (service_var, "AWS_ENDPOINT_URL"):
        if os.environ.get(source) == url:
            return Resolved(url, source)
    where = "services section" if scoped.get("endpoint_url") != url else "endpoint_url"
    return Resolved(url, f"profile {profile} {where}")


class _Loader(botocore.loaders.Loader):
    """botocore's loader, but asked whether it knows a service, it looks in that service's directory:
    botocore's lists all four hundred of them to answer (~10 ms a model type, twice in every command)."""

    def list_available_services(self, type_name: str) -> "_ServiceNames":
        return _ServiceNames(self, type_name)


class _ServiceNames(Set):
    """The services with a `type_name` model: membership looks at one service, iteration lists them all."""

    def __init__(self, loader: _Loader, type_name: str) -> None:
        self._loader, self._type = loader, type_name

    def __contains__(self, name: object) -> bool:
        try:
            return isinstance(name, str) and bool(self._loader.list_api_versions(name, self._type))
        except DataNotFoundError:
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(botocore.loaders.Loader.list_available_services(self._loader, self._type))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@lru_cache(maxsize=1)
def _loader() -> botocore.loaders.Loader:
    """The one botocore loader of every Connection's session. Each session's own would read and parse
    each service's JSON model again (~60 ms a client): a fleet of 50 targets spent most of its CPU so."""
    paths = os.environ.get("AWS_DATA_PATH")
    return _Loader(extra_search_paths=[os.path.expanduser(os.path.expandvars(p)) for p in paths.split(os.pathsep)]
                   if paths else None)


@lru_cache(maxsize=1)
def _builtin_hooks() -> HierarchicalEmitter:
    """botocore's built-in event handlers, registered once: each session registers its ~120 one by one,
    checking each handler's signature (~10 ms), where a copy of these takes a fraction of that."""
    hooks = HierarchicalEmitter()
    botocore.session.Session(event_hooks=hooks)
    return hooks


def _new_session(profile: str | None = None, region: str | None = None,
                 keys: tuple[str, str] | None = None) -> botocore.session.Session:
    """A botocore session reading models through the shared loader, with the built-in handlers copied rather
    than registered again, as boto3.Session(profile_name, region_name, keys) would make it."""
    session = botocore.session.Session(profile=profile, event_hooks=copy.copy(_builtin_hooks()),
                                       include_builtin_handlers=False)
    session.register_component("data_loader", _loader())
    if keys:
        session.set_credentials(*keys)
    if region:
        session.set_config_variable("region", region)
    return session


class Connection:
    """Clients for one target. Building one does not call AWS; `identify()` does (until then `identity` is None)."""

    def __init__(self, target: Target, budget: TokenBucket | None = None,
                 ask_mfa: Callable[[str], str] | None = None, default_region: str | None = None,
                 waits: Waits | None = None):
        """`ask_mfa(prompt)` answers MFA prompts (the TUI asks in a modal); without it, MFA is refused.

        `default_region` (the config's) stands in when neither the target, the environment nor the
        profile names a region.
        """
        self.target = target
        self.budget = budget or TokenBucket()
        self.waits = waits or Waits()
        self._ask_mfa = ask_mfa or _no_mfa_prompt
        # No wait is silent and none is endless: an endpoint that takes the connection and never answers
        # is given up on within ~30 s (3 attempts x 8 s, plus backoff); `waits` says what is pending.
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS},
            connect_timeout=3 if target.local else 5,
            read_timeout=READ_TIMEOUT,
            tcp_keepalive=True,
            user_agent_appid=f"apigw-console-{__version__}",
        )
        try:
            self._session = self._open_session(target)
            region = self._session.get_config_variable("region")
            if not region and default_region:
                self._session = self._open_session(replace(target, region=default_region))
                region = self._session.get_config_variable("region")
        except Problem:
            raise
        except Exception as exc:  # ProfileNotFound and friends
            raise explain(exc, profile=target.profile) from None
        if not region:
            raise Problem("No AWS region is set. Pass --region NAME, set AWS_REGION, give the profile a "
                          "region with `aws configure set region NAME`, or set `region` in the console's "
                          "config.", kind="region")
        self.region: str = region
        # The profile the operator chose (option or AWS_PROFILE); None for a local endpoint or the default chain.
        chosen = None if target.placeholder_credentials else target.profile or os.environ.get("AWS_PROFILE")
        self.profile: str | None = chosen
        self._clients: dict[str, object] = {}
        self._lock = threading.Lock()
        self.identity: Identity | None = None

    def _open_session(self, target: Target) -> botocore.session.Session:
        if target.placeholder_credentials:
            return _new_session(region=target.resolved_region.value or SANDBOX_REGION,
                                keys=(ACCESS_KEY_ID, SECRET_ACCESS_KEY))
        session = _new_session(target.profile, target.resolved_region.value)  # reads nothing of the profile yet
        if is_keyring_profile(target.profile, session.full_config.get("profiles", {})):
            return self._keyring_session(target)
        # botocore asks for assume-role MFA codes with getpass on the terminal, which hangs a TUI; the
        # provider takes its prompter only at construction, so ours replaces it on this session's provider.
        assume_role = session.get_component("credential_provider").get_provider("assume-role")
        assume_role._prompter = self._ask_mfa
        return session

    def _keyring_session(self, target: Target) -> botocore.session.Session:
        """A session whose credentials are minted from a keyring entry on first use, and again on expiry."""
        entry = load_stored_key(target.profile)
        region = target.resolved_region.value or entry.region
        bare = _new_session(region=region)

        def sts_client(access_key_id: str, secret_access_key: str):
            return _new_session().create_client("sts", region_name=region, endpoint_url=self.endpoint("sts"),
                                                config=self._config, aws_access_key_id=access_key_id,
                                                aws_secret_access_key=secret_access_key)

        def refresh() -> dict:
            minted = session_credentials(entry.name, sts_client, self._ask_mfa)
            return {"access_key": minted["AccessKeyId"], "secret_key": minted["SecretAccessKey"],
                    "token": minted["SessionToken"], "expiry_time": minted["Expiration"]}

        bare.get_component("credential_provider").insert_before("env", _KeyringProvider(refresh))
        return bare

    def client(self, service: str):
        """The (cached) client for a service; API Gateway clients draw on the shared budget."""
        with self._lock:
            if service not in self._clients:
                endpoint = self.endpoint(service)
                # LiveTail and a few others prefix the host; a configured endpoint has no such hosts.
                config = self._config.merge(Config(inject_host_prefix=False)) if endpoint else self._config
                client = self._session.create_client(service, region_name=self.region, endpoint_url=endpoint,
                                                     config=config)
                client.meta.events.register("before-parse", partial(reject_non_aws_answers,
                                                                    endpoint=client.meta.endpoint_url))
                self.waits.attach(client)
                client.meta.events.register("before-send", remember_request)
                if service in CONTROL_PLANE:
                    self.budget.attach(client)
                self._clients[service] = client
            return self._clients[service]

    def endpoint(self, service: str) -> str | None:
        """Where `service`'s calls go: as the AWS CLI resolves it (None: AWS's own). When API Gateway's is
        local, a service with none of its own goes there too (an emulator serves every service on one
        address), not to AWS with made-up keys."""
        own = self.target.endpoint(service).value
        return own or (self.target.endpoint().value if self.target.local else None)

    @property
    def apigw(self):
        return self.client("apigateway")

    @property
    def apigwv2(self):
        return self.client("apigatewayv2")

    def check_credentials(self) -> None:
        """Resolve credentials without calling AWS: a place with none is refused before its first call."""
        try:
            if self._session.get_credentials() is None:
                raise no_credentials(self.target.profile)
        except Exception as exc:
            raise explain(exc, profile=self.target.profile) from None

    def identify(self) -> Identity:
        """Resolve credentials and ask STS who we are; every failure becomes a Problem."""
        self.check_credentials()
        try:
            answer = self.client("sts").get_caller_identity()
        except Exception as exc:
            raise explain(exc, profile=self.target.profile) from None
        self.identity = Identity(account=answer["Account"], arn=answer["Arn"], user_id=answer["UserId"])
        return self.identity

    def role_account(self) -> str | None:
        """The account of the role this connection's profile assumes (its role_arn), known without a call;
        None for any other credentials, whose account only STS can tell."""
        if not self.profile:
            return None
        arn = self._session.full_config.get("profiles", {}).get(self.profile, {}).get("role_arn", "")
        parts = arn.split(":")
        return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4].isdigit() else None

    def regions(self) -> list[str]:
        """Regions where API Gateway is offered (from botocore's endpoint data; no call)."""
        return self._session.get_available_regions("apigateway")

