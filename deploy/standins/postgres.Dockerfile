# Stand-in for postgres:16-bookworm: Debian's postgresql-15 with an entrypoint honouring the official
# image's POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, data in /var/lib/postgresql/data. build.sh.
ARG BASE=silkwire-standin/bookworm:minbase
FROM ${BASE}
ENV LANG=C.UTF-8 \
    PGDATA=/var/lib/postgresql/data \
    PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --chmod=0755 apt-install /usr/local/sbin/apt-install
# No cluster from the package: the entrypoint creates one in $PGDATA on first start.
RUN --mount=type=secret,id=ca-bundle,target=/run/secrets/ca-bundle \
    mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
    && apt-install postgresql-15 \
    && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data \
    && install -d -o postgres -g postgres -m 3777 /var/run/postgresql
COPY --chmod=0755 postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
# Fast shutdown, as the official image does.
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
