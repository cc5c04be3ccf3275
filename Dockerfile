# carbon: one image, two commands — the scheduler and the web server.
#
#   docker build -t carbon .
#   docker run -e CARBON_DB=postgresql+psycopg://carbon:…@db/carbon carbon tokens add alice --team Video
#   docker run -e CARBON_DB=… -p 8000:8000 carbon                       # the server (default command)
#   docker run -e CARBON_DB=… -v /etc/carbon:/etc/carbon:ro -v packs:/var/lib/carbon/reports \
#       carbon schedule start --config /etc/carbon/carbon.toml          # the scheduler
#
# The database URL comes from the environment (CARBON_DB); see docs/serve.md.
FROM python:3.12-slim

WORKDIR /opt/carbon
COPY pyproject.toml README.md ./
COPY carbon ./carbon
COPY factors ./factors
COPY budgets ./budgets
RUN pip install --no-cache-dir ".[serve,postgres,xlsx]" \
    && useradd --system --create-home --home-dir /var/lib/carbon --uid 10001 carbon

USER carbon
WORKDIR /var/lib/carbon
ENV CARBON_DB=sqlite:////var/lib/carbon/carbon.db
EXPOSE 8000
ENTRYPOINT ["carbon"]
# Inside a container the server listens on every address: it refuses to start until a token exists.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
