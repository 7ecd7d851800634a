build_mariadb() { die "mariadb: not yet"; }
