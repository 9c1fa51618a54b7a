#!/bin/sh
# dracut hook (sourced): findroot-dracut stop; see findroot-dracut.sh
/usr/sbin/findroot-dracut stop
