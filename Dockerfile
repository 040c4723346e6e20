# RightsSearch: the search app under gunicorn, with the packaged model (no downloads at run time).
# Build:  docker build -t rightssearch .
# Run:    docker run -p 8000:8000 -v "$PWD/data:/data" rightssearch
#         (the data folder holds corpus.sqlite3 and the index; build them with the same image:
#          docker run -v "$PWD/data:/data" rightssearch rightssearch build)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    RIGHTSSEARCH_DATA=/data

WORKDIR /app
COPY requirements.txt .
# The CPU build of torch first: the plain PyPI wheel would pull several GB of CUDA libraries.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0 \
 && pip install -r requirements.txt

COPY pyproject.toml README.md ./
COPY corpus/ corpus/
COPY indexer/ indexer/
COPY search_app/ search_app/
COPY rightssearch/ rightssearch/
# The `rightssearch` command; the dependencies are already there from requirements.txt.
RUN pip install --no-deps . && rm -rf build rightssearch.egg-info

RUN useradd --create-home rights && mkdir -p /data && chown rights /data
USER rights
VOLUME ["/data"]
EXPOSE 8000
# Healthy while an index answers (it keeps answering from the loaded index if a newer build fails to
# load; /healthz then names the problem in index_problem).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
# On the open internet, put a buffering reverse proxy in front (nginx: client_header_timeout and
# client_body_timeout of a few seconds, proxy_request_buffering on) and set RIGHTSSEARCH_BASE_URL to
# the public address: gunicorn's threads are held by slow clients, and the Host header is the client's.
CMD ["python", "-m", "search_app", "--host", "0.0.0.0", "--port", "8000"]
