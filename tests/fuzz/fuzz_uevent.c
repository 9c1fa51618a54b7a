/* uevent payload parser: any bytes either parse into an event whose
 * fields are NUL-terminated, consistent with the header ("ACTION@DEVPATH")
 * and free of ".." path components, or are refused with -EINVAL. The same
 * bytes always give the same answer. */
#include "fuzz.h"
#include "uevent.h"

static bool has_dotdot(const char *p)
{
    for (const char *c = p; (c = strstr(c, "..")); c++)
        if ((c == p || c[-1] == '/') && (c[2] == '/' || c[2] == '\0'))
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fr_uevent ev, ev2;

    if (size > 2 * FR_UEVENT_BUFSIZE)
        return 0;
    int r = fr_uevent_parse((const char *)data, size, &ev);
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    int r2 = fr_uevent_parse((const char *)data, size, &ev2);
    FUZZ_CHECK(r2 == r);
    if (r < 0)
        return 0;
    FUZZ_CHECK(memchr(ev.action, '\0', sizeof(ev.action)) && ev.action[0]);
    FUZZ_CHECK(memchr(ev.devpath, '\0', sizeof(ev.devpath)) && ev.devpath[0]);
    FUZZ_CHECK(memchr(ev.subsystem, '\0', sizeof(ev.subsystem)) && ev.subsystem[0]);
    FUZZ_CHECK(memchr(ev.devtype, '\0', sizeof(ev.devtype)));
    FUZZ_CHECK(memchr(ev.devname, '\0', sizeof(ev.devname)));
    FUZZ_CHECK(memchr(ev.modalias, '\0', sizeof(ev.modalias)));
    FUZZ_CHECK(memchr(ev.driver, '\0', sizeof(ev.driver)));
    FUZZ_CHECK(!has_dotdot(ev.devpath));
    FUZZ_CHECK(ev.partn >= 0);
    /* The header names the same action and devpath. */
    const char *at = memchr(data, '@', size);
    FUZZ_CHECK(at);
    size_t alen = (size_t)(at - (const char *)data);
    FUZZ_CHECK(alen == strlen(ev.action) && memcmp(data, ev.action, alen) == 0);
    FUZZ_CHECK(strcmp(ev.devpath, ev2.devpath) == 0 && strcmp(ev.subsystem, ev2.subsystem) == 0);
    return 0;
}
