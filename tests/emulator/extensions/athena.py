# Copyright: Contributors to the deltalake.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Athena extensions of the emulator (workgroups); see extensions/__init__.py.

moto 5.2.5 lacks UpdateWorkGroup and answers ListTagsForResource of an untagged workgroup with an error.
(Its GetWorkGroup of a missing workgroup answers 200 without a WorkGroup key; the modules treat that as missing,
so it is left as it is.)
"""

import json

_ENGINE_VERSION_AUTO_EFFECTIVE = "Athena engine version 3"


def _apply_updates(target, updates):
    """Apply one level of ``*ConfigurationUpdates``: ``RemoveX: true`` deletes X, any other member sets X."""
    for member, value in updates.items():
        if member.startswith("Remove"):
            if value:
                target.pop(member[len("Remove") :], None)
        else:
            target[member] = value


def update_work_group():
    """UpdateWorkGroup (https://docs.aws.amazon.com/athena/latest/APIReference/API_UpdateWorkGroup.html): sets the
    Description and State given, and applies ConfigurationUpdates, including ResultConfigurationUpdates, where each
    ``Remove<Member>: true`` removes that member (RemoveOutputLocation, RemoveEncryptionConfiguration,
    RemoveBytesScannedCutoffPerQuery, ...) and every other member replaces the current value. A new
    EngineVersion's EffectiveEngineVersion is what AWS runs for it. InvalidRequestException for an unknown
    workgroup."""
    from moto.athena.responses import AthenaResponse

    def update(self):
        name = self._get_param("WorkGroup")
        workgroup = self.athena_backend.work_groups.get(name)
        if workgroup is None:
            return self.error(f"WorkGroup {name} is not found.", 400)
        if self._get_param("Description") is not None:
            workgroup.description = self._get_param("Description")
        if self._get_param("State"):
            workgroup.state = self._get_param("State")
        updates = dict(self._get_param("ConfigurationUpdates") or {})
        result_updates = updates.pop("ResultConfigurationUpdates", None)
        _apply_updates(workgroup.configuration, updates)
        if result_updates:
            result = workgroup.configuration.setdefault("ResultConfiguration", {})
            _apply_updates(result, result_updates)
        if "EngineVersion" in updates:
            selected = updates["EngineVersion"].get("SelectedEngineVersion", "AUTO")
            effective = _ENGINE_VERSION_AUTO_EFFECTIVE if selected == "AUTO" else selected
            workgroup.configuration["EngineVersion"] = {
                "SelectedEngineVersion": selected,
                "EffectiveEngineVersion": effective,
            }
        return "{}"

    AthenaResponse.update_work_group = update


def list_tags_of_untagged_workgroup():
    """ListTagsForResource (https://docs.aws.amazon.com/athena/latest/APIReference/API_ListTagsForResource.html)
    of an existing workgroup without tags answers an empty tag list, not an error."""
    from moto.athena.responses import AthenaResponse

    original = AthenaResponse.list_tags_for_resource

    def list_tags(self):
        arn = self._get_param("ResourceARN") or ""
        name = arn.split(":workgroup/", 1)[-1] if ":workgroup/" in arn else None
        if name in self.athena_backend.work_groups and not self.athena_backend.tagger.has_tags(arn):
            return json.dumps({"Tags": []})
        return original(self)

    AthenaResponse.list_tags_for_resource = list_tags


EXTENSIONS = (update_work_group, list_tags_of_untagged_workgroup)
