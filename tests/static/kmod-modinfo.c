/* Prints the .modinfo strings of module files through libkmod, which has to
 * decompress them first: proves the static libkmod reads .ko.xz and .ko.zst. */
#include <stdio.h>

#include <libkmod.h>

int main(int argc, char **argv)
{
	struct kmod_ctx *ctx;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MODULE-FILE...\n", argv[0]);
		return 2;
	}
	/* An empty config list: no /etc/modprobe.d of the build host. */
	static const char *const no_config[] = { NULL };
	ctx = kmod_new("/nonexistent", no_config);
	if (!ctx) {
		fprintf(stderr, "kmod_new failed\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct kmod_module *mod = NULL;
		struct kmod_list *info = NULL, *l;
		int r = kmod_module_new_from_path(ctx, argv[i], &mod);

		if (r == 0)
			r = kmod_module_get_info(mod, &info);
		if (r < 0) {
			fprintf(stderr, "%s: error %d\n", argv[i], r);
			rc = 1;
		}
		kmod_list_foreach(l, info)
			printf("%s: %s=%s\n", argv[i], kmod_module_info_get_key(l),
			       kmod_module_info_get_value(l));
		kmod_module_info_free_list(info);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return rc;
}
