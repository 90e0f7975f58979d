"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Kept next to the views it describes; tests/test_web_api.py checks real responses
against these schemas, so the document cannot drift from the code.
"""

from __future__ import annotations

from copy import deepcopy


def _obj(properties: dict, required: list[str] | None = None, extra: bool = True) -> dict:
    schema = {"type": "object", "properties": properties, "required": required or list(properties)}
    if not extra:
        schema["additionalProperties"] = False
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
HTML = {"type": "string", "description": "HTML-escaped text; the only markup is <mark>…</mark> around matched terms."}
URL = {"type": "string", "format": "uri", "description": "Absolute URL of the interview's page on this site."}

EXPERT_DETAILS = {"type": "array", "items": {"$ref": "#/components/schemas/ExpertDetail"},
                  "description": "One for each of experts, in the same order: name, title, affiliation."}
EXPERT_NAMES = {"type": "array", "items": STRING, "description": "The experts' names (expert_details has more)."}

SCHEMAS = {
    "Error": _obj({"error": _obj({
        "code": {"type": "integer", "description": "The HTTP status code."},
        "message": {"type": "string", "description": "What went wrong (English)."},
        "param": {"type": "string", "description": "The query-string parameter at fault, when there is one."},
        "pages": {"type": "integer", "description": "Only for a page past the end (404, param page): how many "
                                                     "pages there are (0: no results; page 1 is then an empty 200)."},
    }, ["code", "message"])}),
    "ExpertDetail": _obj({
        "name": STRING,
        "title": {"type": "string", "description": "As the interview gives it (教授, 主任医师…); may be empty."},
        "affiliation": {"type": "string", "maxLength": 40,
                        "description": "Institution and department, as the first line of the expert's bio writes them "
                                       "(the role words after them cut off: 主任, 主任医师, 教授…); empty when that line "
                                       "names no institution. At most 40 characters (a longer one ends in …)."},
    }),
    "Match": _obj({
        "qa": {"type": "integer", "minimum": 1, "description": "1-based number of the Q&A; the page anchor is #qa-N."},
        "question_html": HTML,
        "snippet_html": {**HTML, "description": "About 120 characters of the answer around the densest matches; "
                                                 "HTML-escaped, only <mark> added."},
        "expert": STRING,
        "url": {"type": "string", "format": "uri", "description": "The interview's page, at this Q&A."},
    }, ["qa", "question_html", "snippet_html"]),
    "Hit": _obj({
        "id": STRING, "title": STRING, "title_html": HTML, "url": URL,
        "date": {"type": "string", "description": "ISO 8601 local date and time, e.g. 2025-11-18T16:42:07 (may be empty)."},
        "experts": EXPERT_NAMES, "expert_details": EXPERT_DETAILS,
        "tags": {"type": "array", "items": STRING},
        "score": NUMBER, "matches": {"type": "array", "items": _ref("Match")},
    }),
    "ArticleSummary": _obj({
        "id": STRING, "title": STRING, "title_html": HTML, "url": URL, "date": STRING,
        "experts": EXPERT_NAMES, "expert_details": EXPERT_DETAILS,
        "tags": {"type": "array", "items": STRING},
    }),
    "FacetValue": _obj({"value": {"type": ["string", "integer"]}, "count": INTEGER}),
    "Facets": _obj({
        "tags": {"type": "array", "items": _ref("FacetValue"), "description": "Up to 20 tags, most frequent first."},
        "experts": {"type": "array", "items": _ref("FacetValue"), "description": "Up to 20 experts, most frequent first."},
        "years": {"type": "array", "items": _ref("FacetValue"),
                  "description": "Matching interviews per year, every year, newest first: the results-by-year chart. "
                                 "Counted as if no year filter (year, year_from, year_to) were set, so a chart can show "
                                 "where the chosen years sit; the other filters apply."},
    }),
    "SearchResponse": _obj({
        "query": STRING, "total": INTEGER, "page": INTEGER, "per_page": INTEGER,
        "pages": {"type": "integer", "description": "Number of pages for this per_page."},
        "took_ms": {"type": "number", "description": "Time this request spent finding the results (a cached answer is fast)."},
        "mode": {"type": "string", "enum": ["and", "or", "all"],
                 "description": "and: every result matches every concept and word searched; or: some match only part "
                                "of them and are ranked after those that match more (tell the reader; "
                                "understood.results_matching_everything counts the others); all: no words, so every "
                                "interview the filters let through, newest first."},
        "hits": {"type": "array", "items": _ref("Hit")},
        "facets": _ref("Facets"),
        "suggestion": {"type": ["string", "null"],
                       "description": "The query as searched when misspellings in it were corrected (tell the reader), "
                                      "else null."},
        "understood": _ref("Understood"),
        "index_version": STRING,
    }),
    "Concept": _obj({
        "text": {"type": "string", "description": "As the query wrote it."},
        "canonical": {"type": "string", "description": "The lexicon group's canonical term."},
        "kind": {"type": "string", "description": "drug, gene, disease, stage, endpoint, term or modality."},
        "synonyms": {"type": "array", "items": STRING, "description": "The group's other names, all searched."},
    }),
    "Understood": _obj({
        "concepts": {"type": "array", "items": _ref("Concept"),
                     "description": "Lexicon terms in the query, each searched with every synonym."},
        "words": {"type": "array", "items": STRING, "description": "Other words searched as typed."},
        "required": {"type": "array", "items": _obj({"text": STRING, "fields": {"type": ["array", "null"], "items": STRING}}),
                     "description": "Phrases, +words and field scopes every result must match."},
        "excluded": {"type": "array", "items": STRING, "description": "-words no result may match."},
        "filters": {"type": "object", "additionalProperties": {"type": "array", "items": STRING},
                    "description": "expert:, tag: and year: written in the query."},
        "ignored": {"type": "array", "items": _obj({"text": STRING, "reason": {"type": "string", "enum": ["question", "absent"]}}),
                    "description": "question: a question or function word (怎么办, 能不能); absent: in no interview."},
        "corrections": {"type": "array", "items": _obj({"from": STRING, "to": STRING})},
        "completions": {"type": "array", "items": _obj({"from": STRING, "to": {"type": "array", "items": STRING}}),
                        "description": "A last word typed in part, completed to the terms it begins."},
        "notices": {"type": "array", "items": STRING, "description": "E.g. a name: that is not a field."},
        "results_matching_everything": {"type": "integer",
                                        "description": "Results that match every concept and word searched."},
    }),
    "ArticlesResponse": _obj({
        "total": INTEGER, "page": INTEGER, "per_page": INTEGER, "pages": INTEGER, "took_ms": NUMBER,
        "hits": {"type": "array", "items": _ref("ArticleSummary")}, "facets": _ref("Facets"),
        "index_version": STRING,
        "filters": _obj({"tag": NULLABLE_STRING, "expert": NULLABLE_STRING, "year": {"type": ["integer", "null"]},
                         "year_from": {"type": ["integer", "null"]}, "year_to": {"type": ["integer", "null"]}}),
    }),
    "Expert": _obj({"name": STRING, "title": STRING,
                    "affiliation": {"type": "string", "description": "From the bio's first line, as in ExpertDetail."},
                    "bio": STRING}),
    "QA": _obj({"question": STRING, "answer": STRING, "expert": STRING,
                "question_html": {**HTML, "description": "Only with ?q=: the question with the query's terms marked."},
                "answer_html": {**HTML, "description": "Only with ?q=: the answer with the query's terms marked "
                                                       "(paragraphs separated by a blank line)."}},
               ["question", "answer", "expert"]),
    "Article": _obj({
        "id": STRING, "title": STRING, "url": URL, "date": STRING, "outlet": STRING,
        "views": {"type": ["integer", "null"]}, "lead": STRING, "editor_note": STRING,
        "experts": {"type": "array", "items": _ref("Expert")}, "tags": {"type": "array", "items": STRING},
        "qa": {"type": "array", "items": _ref("QA")},
        "kind": {"type": "string", "enum": ["interview", "answers", "prose"],
                 "description": "interview: questions and answers; answers: answers under subheadings (each QA's "
                                "question is its subheading); prose: a report or monologue (QAs without a question "
                                "hold its paragraphs)."},
        "title_derived": {"type": "boolean", "description": "The page had no title line: the title is its first "
                                                            "subheading or its lead's first sentence."},
        "related_url": {"type": "string", "format": "uri"},
        "source_url": {"type": ["string", "null"], "format": "uri",
                       "description": "The original article on the web (the page's canonical URL, or the JSON Lines "
                                      "record's url); null when the source names none."},
        "title_html": {**HTML, "description": "Only with ?q=: the title with the query's terms marked."},
        "citation": _ref("Citation"),
    }, ["id", "title", "url", "date", "outlet", "views", "lead", "experts", "tags", "qa", "citation"]),
    "Citation": _obj({
        "title": STRING, "experts": {"type": "array", "items": STRING}, "outlet": STRING,
        "date": {"type": "string", "description": "YYYY-MM-DD (may be empty)."},
        "source_url": {"type": "string", "description": "The original article's address when the source gave one, else empty."},
        "url": URL,
        "text": {"type": "string", "description": "One citation line (GB/T 7714 style): experts. title[EB/OL]. outlet, date. URL."},
    }),
    "RelatedResponse": _obj({"id": STRING, "related": {"type": "array", "items": _obj({
        "id": STRING, "title": STRING, "url": URL, "date": STRING, "score": NUMBER,
        "experts": EXPERT_NAMES, "expert_details": EXPERT_DETAILS,
        "tags": {"type": "array", "items": STRING},
        "why": _obj({
            "experts": {"type": "array", "items": STRING, "description": "Experts both interviews have."},
            "tags": {"type": "array", "items": STRING, "description": "Tags both interviews have."},
            "concepts": {"type": "array", "items": STRING,
                         "description": "Lexicon terms (drugs, genes, diseases…) both discuss, most specific first, "
                                        "named as the interview asked about names them; those a shared tag says are left out."},
        }, extra=False)})}}),
    "DraftRelatedResponse": _obj({
        "chars": {"type": "integer", "description": "Characters of the draft read (without surrounding spaces)."},
        "related": {"type": "array", "description": "As RelatedResponse.related: the same ranking as an indexed "
                                                    "interview's related list; why.concepts names what the draft and "
                                                    "the interview both discuss.",
                    "items": {"type": "object"}},
    }),
    "DeskQuery": _obj({
        "query": {"type": "string", "description": "The understood query: canonical concepts, words, then what no "
                                                   "interview holds, space-separated (never the text typed)."},
        "concepts": {"type": "array", "items": STRING}, "words": {"type": "array", "items": STRING},
        "absent": {"type": "array", "items": STRING, "description": "Words and concepts no interview holds."},
        "searches": {"type": "integer", "description": "Searches over the days kept."},
        "found_nothing": INTEGER, "found_little": {"type": "integer", "description": "Searches that found 1-3."},
        "corrected": INTEGER,
        "opens": _obj({"page": INTEGER, "widget": INTEGER}),
        "first_page_opens": {"type": "integer", "description": "Opened results at positions 1-10."},
        "url": {"type": "string", "description": "The search that reproduces it (site-relative)."},
    }),
    "DeskReport": _obj({  # DeskTopQuery is added below: DeskQuery and the week's counts
        "enabled": {"type": "boolean", "description": "false (and nothing else) when SEARCHSVC_INSIGHTS_STORAGE=off."},
        "today": STRING, "days_kept": INTEGER, "first_day": STRING,
        "min_count": {"type": "integer", "description": "A query is listed only once searched this often "
                                                        "(SEARCHSVC_INSIGHTS_MIN_COUNT)."},
        "this_week": _obj({"from": STRING, "to": STRING}), "last_week": _obj({"from": STRING, "to": STRING}),
        "searches": INTEGER, "searches_this_week": INTEGER, "queries": INTEGER, "queries_shown": INTEGER,
        "dropped": {"type": "integer", "description": "Records dropped because a worker's queue was full."},
        "failed": {"type": "integer", "description": "Records lost because the store failed."},
        "top": {"type": "array", "items": _ref("DeskTopQuery")},
        "gaps": {"type": "array", "items": _obj({"concept": STRING, "searches": INTEGER,
                                                  "queries": {"type": "array", "items": _ref("DeskQuery")}})},
        "no_opens": {"type": "array", "items": _ref("DeskQuery")},
        "corrections": {"type": "array", "items": _obj({"from": STRING, "to": STRING, "count": INTEGER, "url": STRING})},
    }, ["enabled"]),
    "SuggestResponse": _obj({"query": STRING, "suggestions": {"type": "array", "items": _obj({
        "text": STRING, "kind": {"type": "string", "description": "Where it comes from: expert, tag, a lexicon "
                                                                  "kind (drug, gene, disease, …) or term."}})}}),
    "Health": _obj({
        "status": {"type": "string", "enum": ["ok", "unavailable"]}, "articles": INTEGER, "documents": INTEGER,
        "index_version": NULLABLE_STRING,
        "lexicon": {"type": "string", "enum": ["current", "stale"],
                    "description": "stale: the lexicon changed since the index was built; searches still find every "
                                   "synonym, more slowly, until `searchsvc ingest --rebuild`."},
        "reason": {"type": "string", "description": "Why the index is unavailable (503 only)."},
    }, ["status", "articles", "documents", "index_version"]),
}


SCHEMAS["DeskTopQuery"] = _obj({
    **SCHEMAS["DeskQuery"]["properties"], "this_week": INTEGER, "last_week": INTEGER, "change": INTEGER,
    "change_pct": {"type": ["integer", "null"], "description": "Change against last week in percent; null: none last week."}})
SCHEMAS["DraftRelatedResponse"]["properties"]["related"]["items"] = SCHEMAS["RelatedResponse"]["properties"]["related"]["items"]


def _param(name: str, schema: dict, description: str, required: bool = False, where: str = "query") -> dict:
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description}


PAGE = _param("page", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1},
              "1-based page number. A page after the last is a 404 naming page (error.pages: how many there are); "
              "page 1 always answers, with total 0 when nothing matches.")
PER_PAGE = _param("per_page", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}, "Results per page.")
TAG = _param("tag", {"type": "string", "maxLength": 100}, "Only interviews with this tag (exact).")
EXPERT = _param("expert", {"type": "string", "maxLength": 100}, "Only interviews of this expert (exact name).")
YEAR = _param("year", {"type": "integer", "minimum": 1000, "maximum": 2999}, "Only interviews of this year.")
YEAR_FROM = _param("year_from", {"type": "integer", "minimum": 1000, "maximum": 2999},
                   "Only interviews of this year or later (with year_to: a range; 400 if after year_to).")
YEAR_TO = _param("year_to", {"type": "integer", "minimum": 1000, "maximum": 2999}, "Only interviews of this year or earlier.")
ARTICLE_ID = _param("id", STRING, "The interview's id (from a hit).", required=True, where="path")
Q_HIGHLIGHT = _param("q", {"type": "string", "maxLength": 200}, "A search query whose terms to mark (adds *_html fields).")


PAST_THE_END = ("A page past the last page of results: error.param is page, error.pages says how many there are. "
                "Page 1 always exists (an empty result is a 200 with total 0).")


def _responses(ok_schema: str, *errors: int, ok_description: str = "OK",
               not_found: str = "No interview with this id.") -> dict:
    cached = {"ETag": {"description": "Weak validator derived from the index version; send it back in If-None-Match.",
                       "schema": STRING},
              "Cache-Control": {"schema": STRING, "description": "public, max-age=N (SEARCHSVC_CACHE_MAX_AGE)."},
              "X-Index-Version": {"schema": STRING, "description": "The published index snapshot used."}}
    out = {"200": {"description": ok_description, "headers": cached,
                   "content": {"application/json": {"schema": _ref(ok_schema)}}},
           "304": {"description": "Not modified: the If-None-Match ETag is still current."}}
    texts = {400: "A bad parameter (error.param names it).", 404: not_found,
             503: "No index has been published yet, or it cannot be opened."}
    for code in (*errors, 503):
        out[str(code)] = {"description": texts[code], "content": {"application/json": {"schema": _ref("Error")}}}
    return out


def _feed_responses(*errors: int) -> dict:
    out = {"200": {"description": "An Atom 1.0 feed (RFC 4287), up to 20 entries, newest first.",
                   "content": {"application/atom+xml": {"schema": STRING}}},
           "304": {"description": "Not modified: the If-None-Match ETag is still current."},
           "400": {"description": "A bad parameter.", "content": {"text/html": {"schema": STRING}}}}
    for code in errors:
        out[str(code)] = {"description": "No interview of this tag or expert.", "content": {"text/html": {"schema": STRING}}}
    return out


PATHS = {
    "/api/search": {"get": {
        "operationId": "search",
        "summary": "Search the interviews: one hit per interview, best-matching Q&As highlighted.",
        "description": "A question or keywords, as a reader types them (奥希替尼耐药怎么办): lexicon terms are "
                       "searched with their synonyms, question words are ignored, and interviews matching more of "
                       "the query, and its rarer parts, rank first (`understood` says how the query was read). "
                       "Syntax: `+word` required; `OR` between alternatives; `-word` excludes; \"a phrase\" "
                       "(required); scopes title:词 question:词 answer:词 (required); filters expert:姓名 tag:标签 "
                       "year:2025. An empty q lists everything, newest first.",
        "parameters": [
            _param("q", {"type": "string", "maxLength": 200, "default": ""}, "The query."),
            PAGE, PER_PAGE, TAG, EXPERT, YEAR, YEAR_FROM, YEAR_TO,
            _param("sort", {"type": "string", "enum": ["relevance", "date"], "default": "relevance"}, "Result order."),
        ],
        "responses": _responses("SearchResponse", 400, 404, not_found=PAST_THE_END),
    }},
    "/api/articles": {"get": {
        "operationId": "listArticles", "summary": "Every interview (optionally of a tag, expert or years), newest first.",
        "parameters": [PAGE, PER_PAGE, TAG, EXPERT, YEAR, YEAR_FROM, YEAR_TO],
        "responses": _responses("ArticlesResponse", 400, 404, not_found=PAST_THE_END),
    }},
    "/api/articles/{id}": {"get": {
        "operationId": "getArticle", "summary": "One whole interview.",
        "parameters": [ARTICLE_ID, Q_HIGHLIGHT],
        "responses": _responses("Article", 400, 404),
    }},
    "/api/articles/{id}/related": {"get": {
        "operationId": "relatedArticles",
        "summary": "Related interviews: more like this, over the interview's distinctive terms, lexicon concepts, tags "
                   "and experts; each says why (why.experts, why.tags, why.concepts).",
        "parameters": [ARTICLE_ID, _param("limit", {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
                                          "How many.")],
        "responses": _responses("RelatedResponse", 400, 404),
    }},
    "/api/suggest": {"get": {
        "operationId": "suggest",
        "summary": "Completions for a search box as the reader types: experts, tags, lexicon terms, index terms.",
        "parameters": [_param("q", {"type": "string", "maxLength": 200}, "What has been typed so far."),
                       _param("limit", {"type": "integer", "minimum": 1, "maximum": 20, "default": 8}, "How many.")],
        "responses": _responses("SuggestResponse", 400),
    }},
    "/api/desk": {"get": {
        "operationId": "desk", "summary": "Editors only: the desk's search insights (top searches and trend, content "
                                          "gaps by concept, searches with nothing opened, frequent corrections).",
        "description": "Authenticated by `Authorization: Bearer <editor token>` or the desk's session cookie. "
                       "404 when no editor token is configured.",
        "security": [{"editorToken": []}, {"deskSession": []}],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": _ref("DeskReport")}}},
                      "401": {"description": "Not signed in.", "content": {"application/json": {"schema": _ref("Error")}}},
                      "404": {"description": "The desk is off (no editor token configured)."},
                      "503": {"description": "The insight store cannot be read.",
                              "content": {"application/json": {"schema": _ref("Error")}}}},
    }},
    "/api/desk.csv": {"get": {
        "operationId": "deskCsv", "summary": "Editors only: the desk's lists as one CSV table (UTF-8 with BOM; a "
                                             "section column: top, gaps, no_opens, corrections).",
        "security": [{"editorToken": []}, {"deskSession": []}],
        "responses": {"200": {"description": "OK", "content": {"text/csv": {"schema": STRING}}},
                      "401": {"description": "Not signed in.", "content": {"application/json": {"schema": _ref("Error")}}},
                      "404": {"description": "The desk is off."}},
    }},
    "/api/related": {"post": {
        "operationId": "relatedForDraft",
        "summary": "Editors only: related interviews for a title or a draft, with the shared concepts explaining each.",
        "description": "The body is JSON {\"text\": ..., \"limit\": 10} (or a form with the same fields), up to "
                       "SEARCHSVC_MAX_BODY bytes (413 beyond). With the session cookie the X-CSRF-Token header (or a "
                       "csrf_token field) must carry the desk's CSRF token; a Bearer token needs none.",
        "security": [{"editorToken": []}, {"deskSession": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _obj({
            "text": {"type": "string", "maxLength": 16384},
            "limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 10}}, ["text"])}}},
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": _ref("DraftRelatedResponse")}}},
                      "400": {"description": "No text, a bad limit, or a missing CSRF token.",
                              "content": {"application/json": {"schema": _ref("Error")}}},
                      "401": {"description": "Not signed in.", "content": {"application/json": {"schema": _ref("Error")}}},
                      "404": {"description": "The desk is off."},
                      "413": {"description": "The body is over SEARCHSVC_MAX_BODY."}},
    }},
    "/api/insights/search": {"post": {
        "operationId": "insightSearch",
        "summary": "Beacon: a search shown by instant results or the widget has settled; count it once.",
        "description": "A form (application/x-www-form-urlencoded, as navigator.sendBeacon sends it). Recorded as the "
                       "understood query only; nothing when the request carries DNT: 1 or Sec-GPC: 1.",
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": _obj({
            "q": {"type": "string", "maxLength": 200},
            "source": {"type": "string", "enum": ["page", "widget"], "default": "page"}}, ["q"])}}},
        "responses": {"204": {"description": "Noted (or ignored under DNT / Sec-GPC)."},
                      "400": {"description": "A bad field (error.param).",
                              "content": {"application/json": {"schema": _ref("Error")}}},
                      "404": {"description": "Insights are off."}},
    }},
    "/api/insights/open": {"post": {
        "operationId": "insightOpen",
        "summary": "Beacon: a reader opened the result at a 1-based position of the results of q.",
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": _obj({
            "q": {"type": "string", "maxLength": 200},
            "position": {"type": "integer", "minimum": 1, "maximum": 1000},
            "source": {"type": "string", "enum": ["page", "widget"], "default": "page"}}, ["q", "position"])}}},
        "responses": {"204": {"description": "Noted (or ignored under DNT / Sec-GPC)."},
                      "400": {"description": "A bad field (error.param).",
                              "content": {"application/json": {"schema": _ref("Error")}}},
                      "404": {"description": "Insights are off."}},
    }},
    "/search.atom": {"get": {
        "operationId": "searchFeed",
        "summary": "Atom feed of a search, newest first: follow a topic as new interviews arrive.",
        "parameters": [
            _param("q", {"type": "string", "maxLength": 200, "default": ""}, "The query (empty: every interview)."),
            TAG, EXPERT, YEAR, YEAR_FROM, YEAR_TO,
            _param("per_page", {"type": "integer", "minimum": 1, "maximum": 50, "default": 20}, "Entries."),
        ],
        "responses": _feed_responses(),
    }},
    "/tags/{tag}.atom": {"get": {
        "operationId": "tagFeed", "summary": "Atom feed of a tag's interviews, newest first.",
        "parameters": [_param("tag", STRING, "The tag.", required=True, where="path")],
        "responses": _feed_responses(404),
    }},
    "/experts/{name}.atom": {"get": {
        "operationId": "expertFeed", "summary": "Atom feed of an expert's interviews, newest first.",
        "parameters": [_param("name", STRING, "The expert's name.", required=True, where="path")],
        "responses": _feed_responses(404),
    }},
    "/healthz": {"get": {
        "operationId": "health", "summary": "Liveness and the published index (503 with a reason when there is none).",
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": _ref("Health")}}},
            "503": {"description": "No usable index.", "content": {"application/json": {"schema": _ref("Health")}}},
        },
    }},
}


def spec(server: str = "") -> dict:
    """The document, with ``server`` (this site's origin) as the server URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Oncology expert interview search",
            "version": "1.0.0",
            "description": "Search Chinese oncology expert interviews. Every page of the site has a JSON twin here. "
                           "Fields ending in _html are HTML-escaped with only <mark> added; every other string is "
                           "plain text. Errors are {\"error\": {\"code\", \"message\", \"param\"?}}. GET responses "
                           "carry a weak ETag derived from the index version (conditional requests get 304) and "
                           "CORS headers for the configured origins. Atom feeds (/search.atom, /tags/{tag}.atom, "
                           "/experts/{name}.atom) follow a search, a tag or an expert.",
        },
        "servers": [{"url": server or "/"}],
        "paths": deepcopy(PATHS),
        "components": {"schemas": deepcopy(SCHEMAS), "securitySchemes": {
            "editorToken": {"type": "http", "scheme": "bearer",
                            "description": "An editor token (SEARCHSVC_EDITOR_TOKENS)."},
            "deskSession": {"type": "apiKey", "in": "cookie", "name": "searchsvc_desk",
                            "description": "The desk's signed session cookie, set by signing in at /desk/signin."}}},
    }
