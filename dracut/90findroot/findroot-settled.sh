#!/bin/sh
# dracut hook (sourced): findroot-dracut start; see findroot-dracut.sh
/usr/sbin/findroot-dracut start
