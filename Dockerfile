FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Debug mode for the build step only (no secrets exist yet); the image runs in production mode,
# which refuses to start without DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS (README, Deploy).
RUN DJANGO_DEBUG=true DJANGO_SECRET_KEY=build-only python manage.py collectstatic --no-input -v0
ENV DJANGO_DEBUG=false

EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--ping-interval", "20", "--ping-timeout", "10", \
     "--websocket_timeout", "-1", "--application-close-timeout", "60", "--proxy-headers", \
     "csms.asgi:application"]
