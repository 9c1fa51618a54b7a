#!/bin/sh
# dracut hook (sourced; initqueue/timeout, emergency and shutdown-emergency):
# findroot-dracut diagnose; see findroot-dracut.sh
/usr/sbin/findroot-dracut diagnose
