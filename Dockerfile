# Health Passport as one static program in a minimal image that runs as a
# user with no rights. Build: docker build -t health-passport .
#
# The image has no shell, so it has no HEALTHCHECK: point the platform's
# checks at GET /healthz (the process answers) and GET /readyz (it can reach
# the database; 503 while it cannot).

# The design system and htmx come from npm at the versions package-lock.json
# pins; `make assets` compiles and copies them, as it does for developers.
FROM node:20-bookworm-slim AS assets
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY Makefile ./
COPY assets/ assets/
# The views name the design system's classes the stylesheet keeps.
COPY views/ views/
RUN make assets

# The program embeds the assets. Without cgo it needs no C library, so it
# runs on an image with nothing else in it.
FROM golang:1.26-bookworm AS program
ENV CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/assets/vendor/ assets/vendor/
RUN go build -trimpath -o bin/passport .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=program /src/bin/passport /usr/local/bin/passport
USER nonroot:nonroot
WORKDIR /home/nonroot
# Only used without DATABASE_URL: an SQLite file, for trying the image out.
ENV PASSPORT_DATA_DIR=/home/nonroot/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/passport"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
