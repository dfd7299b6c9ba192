"""A site's protocol and checklists, loaded once: what every encounter is checked against."""

from __future__ import annotations

from kyphocheck.site.checklist import Checklist, load_checklist
from kyphocheck.site.codes import CodeMaps, load_code_maps
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import PROTOCOL_FILES, Protocol, load_protocol


def load_site_protocol(site: Site) -> Protocol:
    """The protocol of the site (its files over the defaults)."""
    return load_protocol(
        {name: site.find(f"checklists/protocol/{name}") for name in PROTOCOL_FILES}
    )


class SiteData:
    """A site's protocol and checklists, loaded once and reused for many patients (a batch).

    Loading and compiling them takes longer than checking one patient's answers.
    """

    def __init__(self, site: Site) -> None:
        self.site = site
        self._protocol: Protocol | None = None
        self._checklists: dict[str, Checklist] = {}
        self._code_maps: CodeMaps | None = None

    def protocol(self) -> Protocol:
        """The protocol, loaded the first time."""
        if self._protocol is None:
            self._protocol = load_site_protocol(self.site)
        return self._protocol

    def checklist(self, checklist_id: str) -> Checklist:
        """A checklist, loaded the first time it is asked for."""
        if checklist_id not in self._checklists:
            self._checklists[checklist_id] = load_checklist(self.site, checklist_id)
        return self._checklists[checklist_id]

    def code_maps(self) -> CodeMaps:
        """The RxNorm and LOINC mappings a FHIR bundle is read through, loaded the first time."""
        if self._code_maps is None:
            self._code_maps = load_code_maps(self.site, self.protocol().drugs)
        return self._code_maps
