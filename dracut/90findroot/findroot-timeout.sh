#!/bin/sh
# dracut hook (sourced): findroot-dracut diagnose; see findroot-dracut.sh
/usr/sbin/findroot-dracut diagnose
