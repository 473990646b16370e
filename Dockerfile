# stampede on Debian 12: the controller, agents and the CLI in one image.
# Built with the same script as a developer machine, so the image has exactly the packages
# the build and the tests use.
FROM debian:12
WORKDIR /src
COPY . .
RUN scripts/install-deps \
    && cmake --preset release \
    && cmake --build --preset release --target stampede \
    && install -m 0755 build/release/stampede /usr/local/bin/stampede \
    && rm -rf build
# Agents spool reports here; mount a volume to keep them across a container restart.
RUN mkdir -p /var/spool/stampede
ENTRYPOINT ["/usr/local/bin/stampede"]
CMD ["--help"]
