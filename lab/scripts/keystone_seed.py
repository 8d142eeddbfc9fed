"""Keystone's bootstrap plus DevStack's identity data, in one process, straight into the DB.

Does what `keystone-manage bootstrap` does (default domain, admin project/user/role, the
reader/member/manager/service roles, RegionOne, the identity endpoints) and then what DevStack
adds through the API: projects service/demo/alt_demo, the ResellerAdmin role, users demo and
alt_demo (member of their projects), one user per service (admin + service in project
`service`), and the other services' catalog entries. Going through Keystone's own managers
avoids ~60 REST calls and a second process on the cold-start path.

Run with the lab venv's Python: `python keystone_seed.py <keystone.conf> <spec.json>`; the
spec holds the passwords, the identity URL, the service users and the catalog.
"""

import json
import sys
import uuid
import warnings

warnings.simplefilter("ignore")

import keystone.conf  # noqa: E402
from keystone.cmd import bootstrap  # noqa: E402
from keystone.common import driver_hints, provider_api, sql  # noqa: E402
from oslo_log import log  # noqa: E402

CONF = keystone.conf.CONF
PROVIDERS = provider_api.ProviderAPIs


def project(name: str, domain: str, description: str) -> dict:
    try:
        return PROVIDERS.resource_api.get_project_by_name(name, domain)
    except Exception:
        project_id = uuid.uuid4().hex
        return PROVIDERS.resource_api.create_project(project_id, {
            "id": project_id, "name": name, "domain_id": domain, "description": description,
            "enabled": True})


def user(name: str, domain: str, password: str, project_id: str) -> dict:
    try:
        return PROVIDERS.identity_api.get_user_by_name(name, domain)
    except Exception:
        return PROVIDERS.identity_api.create_user({
            "name": name, "domain_id": domain, "password": password, "enabled": True,
            "default_project_id": project_id})


def grant(user_ref: dict, project_ref: dict, role: dict) -> None:
    try:
        PROVIDERS.assignment_api.add_role_to_user_and_project(
            user_ref["id"], project_ref["id"], role["id"])
    except Exception as exc:  # already granted
        if "Conflict" not in type(exc).__name__:
            raise


def main() -> int:
    conf_file, spec_file = sys.argv[1], sys.argv[2]
    spec = json.loads(open(spec_file).read())  # noqa: SIM115
    keystone.conf.configure()
    sql.initialize()
    log.register_options(CONF)
    CONF(args=["--config-file", conf_file], project="keystone")
    keystone.conf.setup_logging()

    boot = bootstrap.Bootstrapper()
    boot.admin_username, boot.admin_password = "admin", spec["passwords"]["admin"]
    boot.project_name, boot.admin_role_name = "admin", "admin"
    boot.service_name, boot.region_id = "keystone", spec["region"]
    boot.public_url = boot.internal_url = boot.admin_url = spec["identity_url"]
    boot.bootstrap()
    domain = boot.default_domain_id

    roles = {name: boot._ensure_role_exists(name)
             for name in ("admin", "member", "reader", "service", "ResellerAdmin")}
    service = project("service", domain, "Service users of the lab's OpenStack services")
    for name in ("demo", "alt_demo"):
        proj = project(name, domain, f"DevStack's {name} project")
        grant(user(name, domain, spec["passwords"][name], proj["id"]), proj, roles["member"])
    for name in spec["service_users"]:
        account = user(name, domain, spec["passwords"][name], service["id"])
        for role in ("admin", "service"):
            grant(account, service, roles[role])

    for entry in spec["catalog"]:
        hints = driver_hints.Hints()
        hints.add_filter("type", entry["type"])
        found = [s for s in PROVIDERS.catalog_api.list_services(hints)
                 if s.get("name") == entry["name"]]
        if found:
            continue
        service_id = uuid.uuid4().hex
        PROVIDERS.catalog_api.create_service(service_id, {
            "id": service_id, "name": entry["name"], "type": entry["type"], "enabled": True,
            "description": entry["description"]})
        for interface in ("public", "internal"):
            endpoint_id = uuid.uuid4().hex
            PROVIDERS.catalog_api.create_endpoint(endpoint_id, {
                "id": endpoint_id, "interface": interface, "url": entry["url"],
                "service_id": service_id, "enabled": True, "region_id": spec["region"]})
    print(f"keystone seeded: {len(spec['catalog'])} catalog entries, "
          f"{2 + len(spec['service_users'])} users besides admin", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
