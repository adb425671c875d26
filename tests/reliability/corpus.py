"""Reliability fixtures: a synthetic corpus of Russian press releases and RSS feeds served on 127.0.0.1.

Pages are built from templates written for these tests (no third-party text): officials, bodies,
cities, sectors and figures are combined so every page is distinct, some about Kazakhstan–China
relations and some not. The server logs every request and can be told to poison a path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

KZ_PEOPLE = [
    ("Касым-Жомарт Токаев", "Президент Республики Казахстан"),
    ("Олжас Бектенов", "Премьер-министр Казахстана"),
    ("Мурат Нуртлеу", "министр иностранных дел Казахстана"),
    ("Серик Жумангарин", "заместитель Премьер-министра Казахстана"),
    ("Аршак Карапетян", "вице-министр торговли Казахстана"),
    ("Нурлан Ерболатов", "аким Восточно-Казахстанской области"),
]
CN_PEOPLE = [
    ("Си Цзиньпин", "Председатель КНР"),
    ("Ли Цян", "Премьер Госсовета КНР"),
    ("Ван И", "министр иностранных дел КНР"),
    ("Чжан Сяо", "Посол КНР в Казахстане"),
    ("Лю Вэйдун", "заместитель министра коммерции КНР"),
]
OTHER_PEOPLE = [
    ("Алибек Сагинтаев", "аким Алматы"),
    ("Дана Ержанова", "министр здравоохранения Казахстана"),
    ("Ерлан Касенов", "председатель правления городского транспортного холдинга"),
]
CITIES = ["Астане", "Алматы", "Пекине", "Урумчи", "Шанхае", "Сиане", "Хоргосе", "Шымкенте"]
SECTORS = [
    ("энергетики", "строительство ветровой электростанции мощностью {n} мегаватт"),
    ("транспорта и логистики", "увеличение контейнерных перевозок через сухой порт на {n} процентов"),
    ("сельского хозяйства", "экспорт {n} тысяч тонн пшеницы и ячменя"),
    ("цифровых технологий", "создание центра обработки данных стоимостью {n} миллионов долларов"),
    ("горнодобывающей промышленности", "запуск фабрики по переработке меди на {n} тысяч тонн в год"),
    ("образования", "обмен {n} студентами между университетами двух стран"),
]
MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря"]


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    published: datetime
    relevant: bool
    body: bytes


def _relevant_text(i: int, day: datetime) -> tuple[str, list[str]]:
    kz, kz_pos = KZ_PEOPLE[i % len(KZ_PEOPLE)]
    cn, cn_pos = CN_PEOPLE[(i // 2) % len(CN_PEOPLE)]
    city = CITIES[i % len(CITIES)]
    sector, project = SECTORS[(i // 3) % len(SECTORS)]
    n = 10 + (i * 37) % 890
    date = f"{day.day} {MONTHS[day.month - 1]} {day.year} года"
    title = f"{kz} и {cn} обсудили сотрудничество в сфере {sector} (№ {i})"
    paras = [
        f"{date} в {city} состоялась встреча {kz_pos} {kz} с {cn_pos} {cn}.",
        f"Стороны обсудили развитие казахстанско-китайского сотрудничества в сфере {sector}, "
        f"а также {project.format(n=n)}.",
        f"По итогам переговоров министерства двух стран подписали меморандум о взаимопонимании "
        f"по проекту номер {i}, который предусматривает инвестиции в размере {n} миллионов долларов.",
        f"{kz} отметил, что Китай остаётся одним из ключевых торговых партнёров Казахстана, "
        f"а товарооборот между странами за девять месяцев вырос на {5 + i % 20} процентов.",
        f"{cn} подтвердил готовность китайской стороны продолжить работу в рамках инициативы "
        f"«Пояс и путь» и пригласил казахстанскую делегацию на следующее заседание межправительственного "
        f"комитета.",
    ]
    return title, paras


def _other_text(i: int, day: datetime) -> tuple[str, list[str]]:
    name, pos = OTHER_PEOPLE[i % len(OTHER_PEOPLE)]
    n = 3 + (i * 13) % 97
    date = f"{day.day} {MONTHS[day.month - 1]} {day.year} года"
    title = f"{name} проверил ход ремонта школ и поликлиник (№ {i})"
    paras = [
        f"{date} {pos} {name} посетил объекты, где завершается капитальный ремонт.",
        f"В этом году в городе обновят {n} школ и {n // 3 + 1} поликлиник, работы идут по графику.",
        f"Подрядчикам поручено закончить отделку до начала отопительного сезона и сдать объекты "
        f"комиссии не позднее конца месяца номер {1 + i % 12}.",
        "Жители могут сообщить о недостатках через единый контакт-центр городской администрации.",
    ]
    return title, paras


def render_page(i: int, base: str, day: datetime) -> Page:
    relevant = i % 3 != 2
    title, paras = (_relevant_text if relevant else _other_text)(i, day)
    path = f"/press/ru/news/{i:05d}"
    body = "\n".join(f"        <p>{escape(p)}</p>" for p in paras)
    html = f"""<!DOCTYPE html>
<html lang="ru">
<head>
  <meta charset="utf-8">
  <title>{escape(title)} — Пресс-служба</title>
  <meta property="og:title" content="{escape(title)}">
  <meta property="article:published_time" content="{day.isoformat()}">
  <link rel="canonical" href="{base}{path}">
</head>
<body>
  <header><nav><a href="{base}/press/ru">Главная</a> <a href="{base}/press/ru/news">Новости</a>
  <a href="{base}/press/ru/contacts">Контакты</a></nav></header>
  <main>
    <article>
      <h1>{escape(title)}</h1>
      <div class="date">{day.strftime('%d.%m.%Y %H:%M')}</div>
      <div class="text">
{body}
      </div>
    </article>
  </main>
  <footer>© Пресс-служба, учебный корпус Silkwire. Все права защищены.</footer>
</body>
</html>
"""
    return Page(path, title, day, relevant, html.encode("utf-8"))


def render_feed(pages: list[Page], base: str, name: str) -> bytes:
    items = "\n".join(f"""    <item>
      <title>{escape(p.title)}</title>
      <link>{base}{p.path}</link>
      <guid isPermaLink="false">{name}-{p.path.rsplit('/', 1)[-1]}</guid>
      <pubDate>{format_datetime(p.published, usegmt=True)}</pubDate>
    </item>""" for p in pages)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>Пресс-служба: {name}</title>
    <link>{base}/press/ru</link>
    <description>Синтетическая лента для проверок надёжности</description>
    <language>ru</language>
{items}
  </channel>
</rss>
""".encode()


Override = Callable[[str], tuple[int, dict[str, str], bytes] | None]


class CorpusServer:
    """`n` pages split over `feeds` RSS feeds on 127.0.0.1 (port 0); use as a context manager."""

    def __init__(self, n: int, feeds: int = 4) -> None:
        self._lock = threading.Lock()
        self.log: list[tuple[float, str]] = []
        self.overrides: dict[str, tuple[int, dict[str, str], bytes]] = {}
        # seconds to wait before answering a path already served once (a slow duplicate fetch)
        self.repeat_delay_s = 0.0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        self.pages = [render_page(i, self.base_url, start - timedelta(hours=i)) for i in range(n)]
        self.feed_paths = [f"/press/ru/rss-{k}.xml" for k in range(feeds)]
        self.files: dict[str, tuple[str, bytes]] = {
            p.path: ("text/html; charset=utf-8", p.body) for p in self.pages}
        for k, path in enumerate(self.feed_paths):
            self.files[path] = ("application/rss+xml; charset=utf-8",
                                render_feed(self.pages[k::feeds], self.base_url, f"feed{k}"))
        self.files["/robots.txt"] = ("text/plain", b"User-agent: *\nAllow: /\n")
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def requests_for(self, path: str) -> int:
        with self._lock:
            return sum(1 for _, p in self.log if p == path)

    def __enter__(self) -> CorpusServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True, name="corpus")
        self._thread.start()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with server._lock:
                    repeat = any(p == path for _, p in server.log)
                    server.log.append((time.monotonic(), path))
                    override = server.overrides.get(path)
                if repeat and server.repeat_delay_s:
                    time.sleep(server.repeat_delay_s)
                if override is not None:
                    status, headers, body = override
                    ctype = headers.get("Content-Type", "text/html; charset=utf-8")
                else:
                    found = server.files.get(path)
                    status, headers, body = (200, {}, found[1]) if found else (404, {}, b"not found\n")
                    ctype = found[0] if found else "text/plain"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
