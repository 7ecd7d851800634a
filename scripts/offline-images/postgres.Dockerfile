# PostgreSQL image assembled by scripts/build-offline-images.sh, which fills in the placeholders
# between at-signs. BASE is the debootstrapped Debian rootfs, already `docker import`ed; this adds
# the configuration of the official `postgres` image (`docker import --change` cannot set
# STOPSIGNAL).
# Few instructions on purpose: each one is a build step, and steps are slow on some storage drivers.
# See docs/offline-images.md.
FROM @BASE@

ENV PG_MAJOR=@PG_MAJOR@ \
    PG_VERSION=@PG_VERSION@ \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/lib/postgresql/@PG_MAJOR@/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=en_US.utf8 \
    PGDATA=/var/lib/postgresql/data

LABEL io.sqltest.offline-image="postgres" \
      org.opencontainers.image.title="postgres (sqltest offline build)" \
      org.opencontainers.image.description="PostgreSQL @PG_VERSION@ from Debian @DEBIAN_SUITE@ packages, built offline by sqltest; Debian-based despite any -alpine tag" \
      org.opencontainers.image.version="@PG_VERSION@" \
      org.opencontainers.image.base.name="debian:@DEBIAN_SUITE@" \
      org.opencontainers.image.created="@BUILT_AT@"

VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
# Fast shutdown: `docker stop` returns promptly even with clients still connected.
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
