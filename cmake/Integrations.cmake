# Install rules for findroot's initramfs-generator integrations and its man
# page. Each piece goes where its generator looks; the cache variables move
# them (packagers, or a DESTDIR test with other roots).

include(GNUInstallDirs)

set(FINDROOT_DRACUT_DIR "/usr/lib/dracut/modules.d" CACHE PATH
    "dracut modules directory (90findroot/ is installed below it)")
set(FINDROOT_INITCPIO_DIR "/usr/lib/initcpio" CACHE PATH
    "mkinitcpio directory (install/findroot and hooks/findroot below it)")
set(FINDROOT_INITRAMFS_TOOLS_DIR "/usr/share/initramfs-tools" CACHE PATH
    "initramfs-tools directory (hooks/findroot and scripts/local-top/findroot below it)")
set(FINDROOT_DRACUT_CONF_DIR "/usr/lib/dracut/dracut.conf.d" CACHE PATH
    "dracut's configuration directory for distribution snippets (90-findroot.conf)")
set(FINDROOT_SYSTEMD_UNIT_DIR "/usr/lib/systemd/system" CACHE PATH
    "systemd units (mkinitcpio's add_systemd_unit looks for findroot-initrd.service there)")
option(FINDROOT_INSTALL_INTEGRATIONS "Install the dracut, mkinitcpio and initramfs-tools pieces" ON)

set(_fr_exec OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(_fr_data OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

if(FINDROOT_INSTALL_INTEGRATIONS)
  # The hook library every generator's hooks source at build time and copy
  # into the image (the root= filter, the module lists, the binary lookup),
  # at the fixed path they look for it; beside it findroot.path, the
  # installed binary the lookup tries first (a build host's PATH may lack
  # the prefix, e.g. dracut's lacks /usr/local).
  file(WRITE ${CMAKE_BINARY_DIR}/integrations/findroot.path
       "${CMAKE_INSTALL_FULL_SBINDIR}/findroot\n")
  install(FILES ${CMAKE_SOURCE_DIR}/hooks/lib/hook-lib.sh
                ${CMAKE_BINARY_DIR}/integrations/findroot.path
          DESTINATION /usr/lib/findroot PERMISSIONS ${_fr_data})

  set(_fr_dracut ${CMAKE_SOURCE_DIR}/dracut/90findroot)
  install(FILES
            ${_fr_dracut}/module-setup.sh
            ${_fr_dracut}/findroot-dracut.sh
            ${_fr_dracut}/findroot-settled.sh
            ${_fr_dracut}/findroot-stop.sh
            ${_fr_dracut}/findroot-diagnose.sh
          DESTINATION ${FINDROOT_DRACUT_DIR}/90findroot PERMISSIONS ${_fr_exec})
  install(FILES ${_fr_dracut}/findroot.service
          DESTINATION ${FINDROOT_DRACUT_DIR}/90findroot PERMISSIONS ${_fr_data})
  # packages put the module into every image, host-only ones included
  install(FILES ${CMAKE_SOURCE_DIR}/dracut/90-findroot.conf
          DESTINATION ${FINDROOT_DRACUT_CONF_DIR} PERMISSIONS ${_fr_data})

  # mkinitcpio: sourced by mkinitcpio, not executed
  install(FILES ${CMAKE_SOURCE_DIR}/mkinitcpio/install/findroot
          DESTINATION ${FINDROOT_INITCPIO_DIR}/install PERMISSIONS ${_fr_data})
  install(FILES ${CMAKE_SOURCE_DIR}/mkinitcpio/hooks/findroot
          DESTINATION ${FINDROOT_INITCPIO_DIR}/hooks PERMISSIONS ${_fr_data})
  # systemd-flavoured images: the unit install/findroot adds (inert outside an initrd)
  install(FILES ${CMAKE_SOURCE_DIR}/mkinitcpio/findroot-initrd.service
          DESTINATION ${FINDROOT_SYSTEMD_UNIT_DIR} PERMISSIONS ${_fr_data})

  # initramfs-tools: both are executed and must be executable
  install(FILES ${CMAKE_SOURCE_DIR}/hooks/initramfs-tools/hooks/findroot
          DESTINATION ${FINDROOT_INITRAMFS_TOOLS_DIR}/hooks PERMISSIONS ${_fr_exec})
  install(FILES ${CMAKE_SOURCE_DIR}/hooks/initramfs-tools/scripts/local-top/findroot
          DESTINATION ${FINDROOT_INITRAMFS_TOOLS_DIR}/scripts/local-top PERMISSIONS ${_fr_exec})
endif()

if(EXISTS ${CMAKE_SOURCE_DIR}/docs/findroot.8)
  install(FILES ${CMAKE_SOURCE_DIR}/docs/findroot.8
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 PERMISSIONS ${_fr_data})
endif()
