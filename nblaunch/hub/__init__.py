"""nblaunch's JupyterHub door: a managed service, login tickets, a fast spawner, ``configure()``.

In ``jupyterhub_config.py``::

    from nblaunch.hub import configure
    configure(c, templates_dir="/srv/templates", ticket_secret=os.environ["NBLAUNCH_SECRET"])

Then ``https://hub.example.org/services/nblaunch/open/<template>?<parameters>`` logs the person
in, starts their server with a progress page, writes the parameterized copy into it and opens it.
"""

from __future__ import annotations

from .config import CONTENTS_SCOPE, SERVICE_NAME, SERVICE_SCOPES, configure

__all__ = ["CONTENTS_SCOPE", "SERVICE_NAME", "SERVICE_SCOPES", "configure"]
