"""The simulated news site (a WordPress install, as far as its visitors can tell) under /site:
RSS 2.0 and Atom feeds, a sitemap index with a posts sitemap and a Google News sitemap, the
/wp-json/wp/v2/posts REST collection, and the article pages with rel=canonical.

Only articles the simulated clock has published appear, and every link is the public SITE_URL
(https://news.example.com/...), as a real site behind a mirror would print them. Feeds and
sitemaps carry ETag and Last-Modified and answer If-None-Match / If-Modified-Since with 304.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import ClassVar
from xml.sax.saxutils import escape, quoteattr

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from tracker.simweb.fake import Fake, json_response
from tracker.simweb.world import SECTIONS, SITE_NAME, SITE_URL, SimArticle

PREFIX = "/site"
FEED_ITEMS = 10  # the feeds list the newest N posts (WordPress: the posts_per_rss option)
NEWS_WINDOW = timedelta(days=2)  # Google News sitemaps list articles of the last two days
LOCAL_OFFSET = timedelta(hours=9)  # the site's WordPress timezone (`date` vs `date_gmt`)
WP_VERSION = "6.8.1"
_GENERATOR = f"https://wordpress.org/?v={WP_VERSION}"


class PlatformFake(Fake):
    NAME = "site"  # faults are queued for the news site, which the feeds collector reads
    HOLDS_POSTS = False
    # No base-URL setting to override: [[sites]].fetch_base_url points the collector here.
    MOUNTS: ClassVar[dict[str, str]] = {}

    def rules(self) -> list[Rule]:
        date = "<int(fixed_digits=4):year>/<string(length=2):month>/<string(length=2):day>"
        return [
            Rule(f"{PREFIX}/feed/", endpoint=self.guard(self.rss)),
            Rule(f"{PREFIX}/feed/atom/", endpoint=self.guard(self.atom)),
            Rule(f"{PREFIX}/sitemap.xml", endpoint=self.guard(self.sitemap_index)),
            Rule(f"{PREFIX}/sitemap-news.xml", endpoint=self.guard(self.news_sitemap)),
            Rule(f"{PREFIX}/sitemap-posts.xml", endpoint=self.guard(self.posts_sitemap)),
            Rule(f"{PREFIX}/wp-json/wp/v2/posts", endpoint=self.guard(self.posts)),
            Rule(f"{PREFIX}/{date}/<slug>/", endpoint=self.guard(self.page)),
            Rule(f"{PREFIX}/{date}/<slug>/amp/", endpoint=self.guard(self.amp_page)),
        ]

    def throttled(self) -> Response:
        # A web server or CDN in front of WordPress: 429 with Retry-After, an HTML body.
        page = "<html><head><title>429 Too Many Requests</title></head><body>Slow down</body></html>"
        return Response(page, 429, headers={"Retry-After": "120"}, mimetype="text/html")

    # -- feeds ----------------------------------------------------------------------------------

    def rss(self, request: Request) -> Response:
        articles = self._newest()[:FEED_ITEMS]
        items = "".join(
            f"""
	<item>
		<title>{_texturize(escape(a.title))}</title>
		<link>{escape(a.url)}</link>
		<comments>{escape(a.url)}#respond</comments>
		<dc:creator><![CDATA[{a.author}]]></dc:creator>
		<pubDate>{_rfc822(a.published_at)}</pubDate>
		<category><![CDATA[{_section(a)}]]></category>
		<guid isPermaLink="false">{SITE_URL}/?p={_post_id(a)}</guid>
		<description><![CDATA[{a.title}&#8230;]]></description>
	</item>"""
            for a in articles
        )
        body = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	>
<channel>
	<title>{escape(SITE_NAME)}</title>
	<atom:link href="{SITE_URL}/feed/" rel="self" type="application/rss+xml" />
	<link>{SITE_URL}</link>
	<description>News from the simulated newsroom</description>
	<lastBuildDate>{_rfc822(_newest_time(articles))}</lastBuildDate>
	<language>en-US</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<generator>{_GENERATOR}</generator>{items}
</channel>
</rss>
"""
        return self._conditional(request, body, "application/rss+xml", _newest_time(articles))

    def atom(self, request: Request) -> Response:
        articles = self._newest()[:FEED_ITEMS]
        # WordPress's Atom template puts the title in CDATA with its entities (&#8217;) still encoded.
        entries = "".join(
            f"""
	<entry>
		<author><name>{escape(a.author)}</name></author>
		<title type="html"><![CDATA[{_texturize(a.title)}]]></title>
		<link rel="alternate" type="text/html" href="{escape(a.url)}" />
		<id>{SITE_URL}/?p={_post_id(a)}</id>
		<updated>{_iso(a.published_at)}</updated>
		<published>{_iso(a.published_at)}</published>
		<category scheme="{SITE_URL}" term="{escape(_section(a))}" />
		<summary type="html"><![CDATA[{a.title}&#8230;]]></summary>
	</entry>"""
            for a in articles
        )
        body = f"""<?xml version="1.0" encoding="UTF-8"?><feed
  xmlns="http://www.w3.org/2005/Atom"
  xmlns:thr="http://purl.org/syndication/thread/1.0"
  xml:lang="en-US"
  >
	<title type="text">{escape(SITE_NAME)}</title>
	<updated>{_iso(_newest_time(articles))}</updated>
	<link rel="alternate" type="text/html" href="{SITE_URL}" />
	<id>{SITE_URL}/feed/atom/</id>
	<link rel="self" type="application/atom+xml" href="{SITE_URL}/feed/atom/" />
	<generator uri="https://wordpress.org/" version="{WP_VERSION}">WordPress</generator>{entries}
</feed>
"""
        return self._conditional(request, body, "application/atom+xml", _newest_time(articles))

    # -- sitemaps -------------------------------------------------------------------------------

    def sitemap_index(self, request: Request) -> Response:
        articles = self._newest()
        news_time = _newest_time(self._news(articles))
        posts_time = _newest_time(articles)
        body = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
	<sitemap><loc>{SITE_URL}/sitemap-news.xml</loc><lastmod>{_iso(news_time)}</lastmod></sitemap>
	<sitemap><loc>{SITE_URL}/sitemap-posts.xml</loc><lastmod>{_iso(posts_time)}</lastmod></sitemap>
</sitemapindex>
"""
        return self._conditional(request, body, "application/xml", max(news_time, posts_time))

    def news_sitemap(self, request: Request) -> Response:
        articles = self._news(self._newest())
        urls = "".join(
            f"""
	<url>
		<loc>{escape(a.url)}</loc>
		<news:news>
			<news:publication>
				<news:name>{escape(SITE_NAME)}</news:name>
				<news:language>en</news:language>
			</news:publication>
			<news:publication_date>{_iso(a.published_at)}</news:publication_date>
			<news:title>{escape(a.title)}</news:title>
		</news:news>
	</url>"""
            for a in articles
        )
        body = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
	xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}
</urlset>
"""
        return self._conditional(request, body, "application/xml", _newest_time(articles))

    def posts_sitemap(self, request: Request) -> Response:
        articles = self._newest()
        urls = "".join(
            f"\n\t<url><loc>{escape(a.url)}</loc><lastmod>{_iso(a.published_at)}</lastmod></url>"
            for a in articles
        )
        body = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}
</urlset>
"""
        return self._conditional(request, body, "application/xml", _newest_time(articles))

    # -- WordPress REST -------------------------------------------------------------------------

    def posts(self, request: Request) -> Response:
        """GET /wp-json/wp/v2/posts: paged newest first, X-WP-Total / X-WP-TotalPages, _fields, _embed."""
        try:
            per_page = int(request.args.get("per_page", "10"))
            page = int(request.args.get("page", "1"))
        except ValueError:
            return _wp_error("rest_invalid_param", "Invalid parameter(s): per_page, page", 400)
        if not 1 <= per_page <= 100:
            return _wp_error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        articles = self._newest()
        if request.args.get("order") == "asc":
            articles.reverse()
        total = len(articles)
        total_pages = math.ceil(total / per_page)
        if page < 1 or (page > total_pages and page > 1):
            return _wp_error(
                "rest_post_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
                400,
            )
        embed = request.args.get("_embed")
        fields = [f for f in request.args.get("_fields", "").split(",") if f]
        chunk = articles[(page - 1) * per_page : page * per_page]
        posts = [_restrict(self._post(a, embed), fields) for a in chunk]
        headers = {
            "X-WP-Total": str(total),
            "X-WP-TotalPages": str(total_pages),
            "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
        }
        links = []
        base = f"{SITE_URL}/wp-json/wp/v2/posts?per_page={per_page}"
        if page > 1:
            links.append(f'<{base}&page={page - 1}>; rel="prev"')
        if page < total_pages:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        response = json_response(posts, 200, headers)
        response.headers["Content-Type"] = "application/json; charset=UTF-8"
        return response

    def _post(self, a: SimArticle, embed: str | None) -> dict[str, object]:
        post_id = _post_id(a)
        local = (a.published_at + LOCAL_OFFSET).strftime("%Y-%m-%dT%H:%M:%S")
        gmt = a.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        author_id = zlib.crc32(a.author.encode()) % 1000 + 1
        category_id = SECTIONS.index(a.section) + 10 if a.section in SECTIONS else 1
        api = f"{SITE_URL}/wp-json/wp/v2"
        post: dict[str, object] = {
            "id": post_id,
            "date": local,
            "date_gmt": gmt,
            "guid": {"rendered": f"{SITE_URL}/?p={post_id}"},
            "modified": local,
            "modified_gmt": gmt,
            "slug": a.slug,
            "status": "publish",
            "type": "post",
            "link": a.url,
            "title": {"rendered": _texturize(a.title)},
            "content": {"rendered": f"<p>{escape(a.title)}.</p>\n", "protected": False},
            "excerpt": {"rendered": f"<p>{escape(a.title)}&#8230;</p>\n", "protected": False},
            "author": author_id,
            "featured_media": 0,
            "comment_status": "open",
            "ping_status": "open",
            "sticky": False,
            "template": "",
            "format": "standard",
            "meta": {"footnotes": ""},
            "categories": [category_id],
            "tags": [],
            "class_list": [
                f"post-{post_id}",
                "post",
                "type-post",
                "status-publish",
                "format-standard",
                "hentry",
            ],
            "_links": {
                "self": [{"href": f"{api}/posts/{post_id}", "targetHints": {"allow": ["GET"]}}],
                "collection": [{"href": f"{api}/posts"}],
                "author": [{"embeddable": True, "href": f"{api}/users/{author_id}"}],
                "wp:term": [
                    {"taxonomy": "category", "embeddable": True, "href": f"{api}/categories?post={post_id}"}
                ],
            },
        }
        if embed is not None:
            wanted = set(filter(None, embed.split(","))) or {"author", "wp:term"}
            embedded: dict[str, object] = {}
            if "author" in wanted:
                embedded["author"] = [
                    {"id": author_id, "name": a.author, "link": f"{SITE_URL}/author/{_slug(a.author)}/"}
                ]
            if "wp:term" in wanted:
                embedded["wp:term"] = [
                    [
                        {
                            "id": category_id,
                            "name": _section(a),
                            "slug": a.section,
                            "taxonomy": "category",
                            "link": f"{SITE_URL}/category/{a.section}/",
                        }
                    ]
                ]
            post["_embedded"] = embedded
        return post

    # -- pages ----------------------------------------------------------------------------------

    def page(self, request: Request, year: int, month: str, day: str, slug: str) -> Response:
        article = self._article(year, month, day, slug)
        if article is None:
            return _not_found()
        return _html(article, canonical=article.url, amp=False)

    def amp_page(self, request: Request, year: int, month: str, day: str, slug: str) -> Response:
        article = self._article(year, month, day, slug)
        if article is None:
            return _not_found()
        return _html(article, canonical=article.url, amp=True)

    # -- helpers --------------------------------------------------------------------------------

    def _newest(self) -> list[SimArticle]:
        return sorted(self.world.published_articles(), key=lambda a: a.published_at, reverse=True)

    def _news(self, articles: list[SimArticle]) -> list[SimArticle]:
        since = self.world.now() - NEWS_WINDOW
        return [a for a in articles if a.published_at >= since]

    def _article(self, year: int, month: str, day: str, slug: str) -> SimArticle | None:
        article = self.world.article_by_url(f"{SITE_URL}/{year:04d}/{month}/{day}/{slug}/")
        if article is None or article.published_at > self.world.now():
            return None
        return article

    def _conditional(self, request: Request, body: str, mimetype: str, last_modified: datetime) -> Response:
        """Answer 304 when the client's validators still match (If-None-Match wins, RFC 9110 13.2.2)."""
        data = body.encode()
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        modified = last_modified.astimezone(UTC).replace(microsecond=0)
        headers = {
            "ETag": f'"{etag}"',
            "Last-Modified": format_datetime(modified, usegmt=True),
            "Vary": "Accept-Encoding",
        }
        not_modified = False
        if request.if_none_match:
            not_modified = request.if_none_match.contains_weak(etag)
        elif request.if_modified_since is not None:
            not_modified = modified <= request.if_modified_since
        if not_modified:
            return Response(b"", 304, headers=headers)
        return Response(data, 200, headers=headers, content_type=f"{mimetype}; charset=UTF-8")


def _texturize(text: str) -> str:
    """WordPress's wptexturize: curly apostrophes and dashes as numeric entities."""
    return text.replace("'", "&#8217;").replace(" - ", " &#8211; ")


def _section(article: SimArticle) -> str:
    return article.section.capitalize()


def _post_id(article: SimArticle) -> int:
    return 48_000 + article.article_id


def _slug(name: str) -> str:
    return "-".join("".join(c.lower() if c.isalnum() else " " for c in name).split())


def _newest_time(articles: list[SimArticle]) -> datetime:
    return max((a.published_at for a in articles), default=datetime(2000, 1, 1, tzinfo=UTC))


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _rfc822(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def _restrict(post: dict[str, object], fields: list[str]) -> dict[str, object]:
    # _fields keeps the named top-level keys (a dotted name keeps its first segment).
    if not fields:
        return post
    keep = {f.split(".", 1)[0] for f in fields}
    return {k: v for k, v in post.items() if k in keep}


def _wp_error(code: str, message: str, status: int) -> Response:
    return json_response({"code": code, "message": message, "data": {"status": status}}, status)


def _not_found() -> Response:
    page = "<!DOCTYPE html><html><head><title>Page not found</title></head><body>Nothing here</body></html>"
    return Response(page, 404, mimetype="text/html")


def _html(article: SimArticle, canonical: str, amp: bool) -> Response:
    title = escape(article.title)
    extra = "" if amp else f'\n<link rel="amphtml" href={quoteattr(article.url + "amp/")}>'
    html_attr = "html ⚡" if amp else "html"
    page = f"""<!DOCTYPE html>
<{html_attr} lang="en">
<head>
<meta charset="utf-8">
<title>{title} &#8211; {escape(SITE_NAME)}</title>
<link rel="canonical" href={quoteattr(canonical)}>{extra}
<meta property="og:url" content={quoteattr(canonical)}>
<meta property="article:published_time" content="{_iso(article.published_at)}">
</head>
<body>
<article><h1>{title}</h1><p class="byline">By {escape(article.author)}</p>
<p>{title}.</p></article>
</body>
</html>
"""
    return Response(page, 200, mimetype="text/html")
