# MariaDB image assembled by scripts/build-offline-images.sh, which fills in the placeholders
# between at-signs. BASE is the debootstrapped Debian rootfs, already `docker import`ed; this adds
# the configuration of the official `mariadb` image. Few instructions on purpose: each one is a
# build step, and steps are slow on some storage drivers. See docs/offline-images.md.
FROM @BASE@

ENV MARIADB_VERSION=@MARIADB_VERSION@ \
    LANG=C.UTF-8

LABEL io.sqltest.offline-image="mariadb" \
      org.opencontainers.image.title="mariadb (sqltest offline build)" \
      org.opencontainers.image.description="MariaDB @MARIADB_VERSION@ from Debian @DEBIAN_SUITE@ packages, built offline by sqltest" \
      org.opencontainers.image.version="@MARIADB_VERSION@" \
      org.opencontainers.image.base.name="debian:@DEBIAN_SUITE@" \
      org.opencontainers.image.created="@BUILT_AT@"

VOLUME /var/lib/mysql
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 3306
CMD ["mariadbd"]
