/* The diagnosis as one JSON document, whose keys findroot(8) documents under JSON OUTPUT. */
#include <string.h>

#include "diagnose_facts.h"
#include "json.h"

/* Bumped on an incompatible change of the document (findroot(8)). */
#define FR_DIAG_JSON_VERSION 1

/* The JSON "probe" word; a vanished device is "no_node". */
static const char *probe_word(const struct fr_blockdev *d)
{
    if (!d->probe.done)
        return "not_probed";
    switch (d->probe.rc) {
    case FR_PROBE_OK: return "found";
    case FR_PROBE_NOTHING: return "nothing";
    case FR_PROBE_AMBIVALENT: return "ambivalent";
    case FR_PROBE_GONE: return "no_node";
    case FR_PROBE_ERROR: break;
    }
    return "error";
}

static void json_str_or_null(struct fr_json *j, const char *key, const char *v)
{
    fr_json_string(j, key, v && v[0] ? v : NULL);
}

/* An object of string members: kv holds key, value, ..., NULL. */
static void json_strings(struct fr_json *j, const char *const *kv)
{
    fr_json_begin_object(j, NULL);
    for (; kv[0]; kv += 2)
        fr_json_string(j, kv[0], kv[1]);
    fr_json_end_object(j);
}

/* A comma-separated list as an array of strings. */
static void json_name_list(struct fr_json *j, const char *key, const char *list)
{
    char name[128];

    fr_json_begin_array(j, key);
    for (const char *p = list; *p;) {
        p = fr_diag_list_next(p, name, sizeof(name));
        if (name[0])
            fr_json_string(j, NULL, name);
    }
    fr_json_end_array(j);
}

int fr_diag_write_json(const struct fr_diag *f, FILE *out)
{
    const struct fr_iommu *io = &f->io;
    struct fr_json j;
    char node[PATH_MAX];

    fr_json_init(&j, out);
    fr_json_begin_object(&j, NULL);
    fr_json_int(&j, "version", FR_DIAG_JSON_VERSION);
    fr_json_string(&j, "kernel_release", f->r->release);
    fr_json_string(&j, "modules_dir", f->r->modules);
    fr_json_bool(&j, "modules_usable", f->m != NULL);
    fr_json_bool(&j, "builtin_modinfo", fr_builtin_has_modinfo(f->bi));

    fr_json_begin_object(&j, "root");
    fr_json_string(&j, "spec", f->spec ? f->spec_text : NULL);
    fr_json_string(&j, "kind", f->spec ? fr_spec_kind_name(f->spec->kind) : NULL);
    fr_json_bool(&j, "found", f->spec && f->match >= 0);
    if (f->spec && f->match >= 0) {
        fr_diag_node(f, &f->t->v[f->match], node, sizeof(node));
        fr_json_string(&j, "device", f->t->v[f->match].name);
        fr_json_string(&j, "node", node);
    } else {
        fr_json_null(&j, "device");
        fr_json_null(&j, "node");
    }
    fr_json_int(&j, "candidates", f->spec ? f->nmatch : 0);
    fr_json_begin_array(&j, "near_misses");
    for (size_t i = 0; i < f->nnm; i++)
        json_strings(&j, (const char *const[]){"device", f->t->v[f->nm[i].idx].name,
                                                "field", f->nm[i].field, "value", f->nm[i].value,
                                                "note", f->nm[i].note, NULL});
    fr_json_end_array(&j);
    fr_json_end_object(&j);

    fr_json_begin_object(&j, "iommu");
    fr_json_bool(&j, "present", fr_iommu_present(io));
    fr_json_begin_array(&j, "evidence");
    if (io->viot)
        fr_json_string(&j, NULL, "acpi_viot");
    if (io->virtio_device)
        fr_json_string(&j, NULL, "virtio_device");
    if (io->pci_device)
        fr_json_string(&j, NULL, "pci_device");
    if (io->devicetree)
        fr_json_string(&j, NULL, "devicetree");
    fr_json_end_array(&j);
    json_str_or_null(&j, "virtio_device", io->virtio_name);
    json_str_or_null(&j, "devicetree_iommu_map",
                     strcmp(io->dt_prop, "iommu-map") == 0 ? io->dt_user : NULL);
    fr_json_bool(&j, "driver_bound", io->bound);
    fr_json_bool(&j, "module_available", f->iommu_module);
    fr_json_string(&j, "driver_module", "virtio_iommu");
    fr_json_end_object(&j);

    fr_json_begin_object(&j, "deferred");
    fr_json_string(&j, "source", f->deferred_path);
    fr_json_string(&j, "status", f->deferred_status);
    fr_json_string(&j, "error", f->deferred_err ? strerror(f->deferred_err) : NULL);
    fr_json_begin_array(&j, "devices");
    for (size_t i = 0; i < f->ndef; i++)
        json_strings(&j, (const char *const[]){"device", f->def[i].device, "reason",
                                                f->def[i].reason, NULL});
    fr_json_end_array(&j);
    fr_json_end_object(&j);

    fr_json_begin_array(&j, "driverless");
    for (size_t i = 0; i < f->ndl; i++) {
        const struct fr_diag_driverless *d = &f->dl[i];
        fr_json_begin_object(&j, NULL);
        fr_json_string(&j, "bus", d->bus);
        fr_json_string(&j, "device", d->device);
        fr_json_string(&j, "modalias", d->modalias);
        fr_json_bool(&j, "deferred", d->deferred);
        json_name_list(&j, "modules", d->modules);
        json_name_list(&j, "builtin", d->builtin);
        fr_json_string(&j, "driver", d->driver);
        fr_json_string(&j, "waits_for", d->waits_iommu ? "virtio_iommu" : NULL);
        fr_json_end_object(&j);
    }
    fr_json_end_array(&j);

    fr_json_begin_array(&j, "block_devices");
    for (size_t i = 0; i < f->t->n; i++) {
        const struct fr_blockdev *d = &f->t->v[i];
        fr_diag_node(f, d, node, sizeof(node));
        fr_json_begin_object(&j, NULL);
        fr_json_string(&j, "name", d->name);
        fr_json_string(&j, "node", node);
        fr_json_int(&j, "major", d->major);
        fr_json_int(&j, "minor", d->minor);
        fr_json_bool(&j, "partition", d->partition);
        fr_json_string(&j, "disk", d->disk);
        fr_json_string(&j, "probe", probe_word(d));
        /* The probed tags, null when empty. */
        json_str_or_null(&j, "type", d->probe.type);
        json_str_or_null(&j, "usage", d->probe.usage);
        json_str_or_null(&j, "uuid", d->probe.uuid);
        json_str_or_null(&j, "label", d->probe.label);
        json_str_or_null(&j, "partuuid", d->probe.partuuid);
        json_str_or_null(&j, "partlabel", d->probe.partlabel);
        fr_json_end_object(&j);
    }
    fr_json_end_array(&j);

    fr_json_begin_array(&j, "advice");
    for (size_t i = 0; i < f->nadvice; i++)
        fr_json_string(&j, NULL, f->advice[i]);
    fr_json_end_array(&j);
    fr_json_end_object(&j);
    return fr_json_finish(&j);
}

