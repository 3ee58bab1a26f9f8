"""Every Cypher statement hepgraph sends to Neo4j, as named, parameterized constants.

Nothing outside this module writes Cypher text, and no statement is ever built from a value: values go in
``$parameters``. Three things Cypher cannot take as parameters are generated here from validated
inputs in one function each: relationship types of paper->concept links (one of the six in
:data:`hepgraph.models.RELATION_FOR_TYPE`), and the vector dimension of the vector indexes (a positive int;
index OPTIONS must be literals on the Neo4j 5 versions we support). ``tools/cypher-lint`` checks every
entry of :data:`ALL_STATEMENTS`, with :data:`PARAMETERS` as the declared parameters, in CI.

Graph model:
    (:Work:Paper {key, ...})        an indexed paper; ``:Work`` is every citation endpoint
    (:Work:ExternalWork {key})      a paper known only from a citation graph's node list
    (:PaperId {id, key})            every normalised id of a paper -> its key (resolves citations)
    (:Record {key, paper_key, json}) one source record as read, keyed by (origin, record key)
    (:Author {key, name})-[:WROTE {position}]->(:Paper)
    (:Work)-[:CITES {source}]->(:Work)
    (:Paper)-[:USES_METHOD|ADDRESSES|STUDIES|FROM_EXPERIMENT|USES_DATASET|STUDIES_PROCESS
              {count, evidence, via}]->(:Concept {id, ...})-[:IS_A]->(:Concept)
    (:Paper)-[:SIMILAR {score}]->(:Paper)
    (:Embedding {key, model, text_hash, vector}), (:Stage {key, stage, paper_key, hash}), (:Meta {key, value})
"""

from __future__ import annotations

from hepgraph.errors import ConfigError
from hepgraph.models import RELATION_FOR_TYPE

LINK_RELS: tuple[str, ...] = tuple(sorted(set(RELATION_FOR_TYPE.values())))
GRAPH_RELS: tuple[str, ...] = ("CITES", "IS_A", "SIMILAR", *LINK_RELS)

# -- schema ---------------------------------------------------------------------------------------------
_KEYS = {  # label -> its unique key property
    "Work": "key",
    "Paper": "key",
    "ExternalWork": "key",
    "PaperId": "id",
    "Record": "key",
    "Author": "key",
    "Concept": "id",
    "Embedding": "key",
    "Stage": "key",
    "Meta": "key",
}
SCHEMA_STATEMENTS: list[str] = [
    f"CREATE CONSTRAINT {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
    for label, prop in _KEYS.items()
] + [
    "CREATE INDEX record_paper_key IF NOT EXISTS FOR (r:Record) ON (r.paper_key)",
    "CREATE INDEX paper_text_hash IF NOT EXISTS FOR (p:Paper) ON (p.text_hash)",
    "CREATE INDEX paperid_key IF NOT EXISTS FOR (i:PaperId) ON (i.key)",
    "CREATE INDEX stage_stage IF NOT EXISTS FOR (s:Stage) ON (s.stage)",
    "CREATE FULLTEXT INDEX paper_text IF NOT EXISTS FOR (p:Paper) ON EACH [p.title_text, p.abstract_text]",
    # Finding a paper by what a reader remembers: its title words, an author's name.
    "CREATE FULLTEXT INDEX paper_title IF NOT EXISTS FOR (p:Paper) ON EACH [p.title_text]",
    "CREATE FULLTEXT INDEX author_name IF NOT EXISTS FOR (a:Author) ON EACH [a.name]",
]

# Index population runs in the background after CREATE INDEX; polled in short transactions, because one
# long db.awaitIndexes call would outlive a server's transaction timeout on a large import.
INDEX_STATES = (
    "SHOW INDEXES YIELD name, state, populationPercent "
    "RETURN name, state, populationPercent AS percent ORDER BY name"
)


def vector_index_statements(dim: int) -> list[str]:
    """The two vector index statements for embeddings of ``dim`` dimensions (a literal: see module doc)."""
    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= 4096:
        msg = f"vector dimension {dim!r} is not an int in 1..4096: check the embedding model's dimension"
        raise ConfigError(msg)
    config = f"{{indexConfig: {{`vector.dimensions`: {dim}, `vector.similarity_function`: 'cosine'}}}}"
    return [
        f"CREATE VECTOR INDEX paper_embedding IF NOT EXISTS FOR (p:Paper) ON p.embedding OPTIONS {config}",
        f"CREATE VECTOR INDEX concept_embedding IF NOT EXISTS FOR (c:Concept) ON c.embedding "
        f"OPTIONS {config}",
    ]


def link_write_statement(rel: str) -> str:
    """The MERGE of one paper->concept relation type (types cannot be parameters in Cypher 5)."""
    if rel not in LINK_RELS:
        msg = f"unknown paper->concept relation {rel!r}: expected one of {', '.join(LINK_RELS)}"
        raise ValueError(msg)
    return (
        "UNWIND $rows AS row MATCH (p:Paper {key: row.paper_key}) MATCH (c:Concept {id: row.concept_id}) "
        f"MERGE (p)-[r:{rel}]->(c) SET r.count = row.count, r.evidence = row.evidence, r.via = row.via"
    )


LINK_WRITE: dict[str, str] = {rel: link_write_statement(rel) for rel in LINK_RELS}

# -- papers and records ---------------------------------------------------------------------------------
RESOLVE_IDS = "UNWIND $ids AS id MATCH (i:PaperId {id: id}) RETURN i.id AS id, i.key AS key"
RECORDS_FOR_PAPERS = (
    "MATCH (r:Record) WHERE r.paper_key IN $keys "
    "RETURN r.key AS key, r.paper_key AS paper_key, r.json AS json"
)
PAPER_HASHES = (
    "UNWIND $keys AS k MATCH (p:Paper {key: k}) RETURN p.key AS key, p.content_hash AS content_hash"
)
UPSERT_RECORDS = "UNWIND $rows AS row MERGE (r:Record {key: row.key}) SET r += row.props"
UPSERT_PAPERS = (
    "UNWIND $rows AS row MERGE (p:Work {key: row.key}) SET p:Paper, p += row.props REMOVE p:ExternalWork"
)
UPSERT_PAPER_IDS = "UNWIND $rows AS row MERGE (i:PaperId {id: row.id}) SET i.key = row.key"
DELETE_PAPER_IDS = "UNWIND $keys AS k MATCH (i:PaperId {key: k}) DELETE i"
DELETE_STAGES = "UNWIND $keys AS k MATCH (s:Stage {paper_key: k}) DELETE s"
# A paper now known under a better key (a DOI-only paper joined by its arXiv record, or a citation stub
# named by one of its ids): move its citations to the paper, then delete the old node.
REWIRE_CITES_OUT = (
    "UNWIND $moves AS m MATCH (old:Work {key: m.old})-[c:CITES]->(t:Work) MATCH (new:Work {key: m.new}) "
    "WHERE new <> t MERGE (new)-[n:CITES]->(t) ON CREATE SET n.source = c.source"
)
REWIRE_CITES_IN = (
    "UNWIND $moves AS m MATCH (s:Work)-[c:CITES]->(old:Work {key: m.old}) MATCH (new:Work {key: m.new}) "
    "WHERE new <> s MERGE (s)-[n:CITES]->(new) ON CREATE SET n.source = c.source"
)
DELETE_WORKS = "UNWIND $keys AS k MATCH (w:Work {key: k}) DETACH DELETE w"
DELETE_AUTHORSHIP = "UNWIND $keys AS k MATCH (:Author)-[w:WROTE]->(:Paper {key: k}) DELETE w"
WRITE_AUTHORSHIP = (
    "UNWIND $rows AS row MATCH (p:Paper {key: row.paper_key}) MERGE (a:Author {key: row.key}) "
    "ON CREATE SET a.name = row.name MERGE (a)-[w:WROTE]->(p) "
    "SET w.position = row.position, w.name = row.name"
)
AUTHORS_OF_PAPERS = (
    "UNWIND $keys AS k MATCH (a:Author)-[:WROTE]->(:Paper {key: k}) RETURN DISTINCT a.key AS key"
)
# The embedded store's rule (sqlite_schema.refresh_authors): an author of no paper is no node, and the shown
# name is the spelling most of its papers use, then the first in sort order, whatever was read first.
PRUNE_AUTHORS = (
    "UNWIND $keys AS k MATCH (a:Author {key: k}) WHERE NOT EXISTS { (a)-[:WROTE]->(:Paper) } DELETE a"
)
NAME_AUTHORS = (
    "UNWIND $keys AS k MATCH (a:Author {key: k})-[w:WROTE]->(:Paper) "
    "WITH a, coalesce(w.name, a.name) AS name, count(*) AS n ORDER BY n DESC, name "
    "WITH a, collect(name)[0] AS name SET a.name = name"
)
# Fill (or clear) the vector-indexed embedding of papers from the embedding cache of the store's model.
SYNC_PAPER_EMBEDDINGS = (
    "UNWIND $keys AS k MATCH (p:Paper {key: k}) "
    "OPTIONAL MATCH (e:Embedding {key: $model + '|' + p.text_hash}) SET p.embedding = e.vector"
)
_PAPER_MAP = (
    "p {.key, .arxiv_id, .doi, .inspire_id, .title, .title_text, .abstract, .abstract_text, .author_names, "
    ".author_keys, .categories, .date, .journal_ref, .sources}"
)
GET_PAPERS = f"UNWIND $keys AS k MATCH (p:Paper {{key: k}}) RETURN {_PAPER_MAP} AS paper"
ITER_PAPERS = (
    f"MATCH (p:Paper) WHERE p.key > $after RETURN p.key AS key, {_PAPER_MAP} AS paper "
    "ORDER BY p.key LIMIT $limit"
)

# -- citations and external works -------------------------------------------------------------------------
ADD_CITATIONS = (
    "UNWIND $rows AS row MERGE (a:Work {key: row.citing}) MERGE (b:Work {key: row.cited}) "
    "MERGE (a)-[c:CITES]->(b) ON CREATE SET c.source = row.source"
)
ITER_CITATIONS = (
    "MATCH (a:Work) WHERE a.key > $after WITH a ORDER BY a.key LIMIT $limit "
    "OPTIONAL MATCH (a)-[c:CITES]->(b:Work) RETURN a.key AS citing, b.key AS cited, c.source AS source "
    "ORDER BY citing, cited"
)
ITER_EXTERNAL_WORKS = (
    "MATCH (w:ExternalWork) WHERE w.key > $after "
    "RETURN w.key AS key, w.ext_title AS title, w.ext_categories AS categories ORDER BY w.key LIMIT $limit"
)
EXTERNAL_WORK_HASHES = (
    "UNWIND $keys AS k MATCH (w:ExternalWork {key: k}) RETURN w.key AS key, w.ext_hash AS hash"
)
# A work that is also an indexed paper keeps the paper's title; the node-list title goes to ext_title.
UPSERT_EXTERNAL_WORKS = (
    "UNWIND $rows AS row MERGE (w:Work {key: row.key}) SET w:ExternalWork, w.ext_hash = row.hash, "
    "w.ext_title = row.title, w.ext_categories = row.categories, "
    "w.title = CASE WHEN w:Paper THEN w.title ELSE row.title END, "
    "w.categories = CASE WHEN w:Paper THEN w.categories ELSE row.categories END"
)

# -- concepts and links -------------------------------------------------------------------------------------
CONCEPT_HASHES = "UNWIND $ids AS id MATCH (c:Concept {id: id}) RETURN c.id AS id, c.content_hash AS hash"
UPSERT_CONCEPTS = "UNWIND $rows AS row MERGE (c:Concept {id: row.id}) SET c += row.props"
DELETE_IS_A = "UNWIND $ids AS id MATCH (c:Concept {id: id})-[r:IS_A]->(:Concept) DELETE r"
# Both directions, so a parent stored after its children still gets their IS_A edges.
WRITE_IS_A = (
    "UNWIND $ids AS id MATCH (c:Concept {id: id}) UNWIND c.parents AS pid MATCH (p:Concept {id: pid}) "
    "MERGE (c)-[:IS_A]->(p)"
)
WRITE_IS_A_TO_PARENTS = (
    "UNWIND $ids AS pid MATCH (p:Concept {id: pid}) MATCH (c:Concept) WHERE pid IN c.parents "
    "MERGE (c)-[:IS_A]->(p)"
)
ITER_CONCEPTS = (
    "MATCH (c:Concept) RETURN c {.id, .type, .name, .aliases, .acronyms, .latex, .parents, .description} "
    "AS concept ORDER BY c.id"
)
LINKS_FOR_PAPERS = (
    "UNWIND $keys AS k MATCH (p:Paper {key: k})-[r]->(c:Concept) WHERE type(r) IN $rels "
    "RETURN p.key AS paper_key, c.id AS concept_id, type(r) AS rel, r.count AS count, "
    "r.evidence AS evidence, r.via AS via ORDER BY paper_key, concept_id"
)
DELETE_LINKS = "UNWIND $keys AS k MATCH (p:Paper {key: k})-[r]->(:Concept) WHERE type(r) IN $rels DELETE r"
ITER_LINKS = (
    "MATCH (p:Paper) WHERE p.key > $after WITH p ORDER BY p.key LIMIT $limit "
    "OPTIONAL MATCH (p)-[r]->(c:Concept) WHERE type(r) IN $rels "
    "RETURN p.key AS paper_key, c.id AS concept_id, type(r) AS rel, r.count AS count, "
    "r.evidence AS evidence, r.via AS via ORDER BY paper_key, concept_id"
)
WRITE_SIMILAR = (
    "UNWIND $rows AS row MATCH (a:Paper {key: row.a}) MATCH (b:Paper {key: row.b}) "
    "MERGE (a)-[r:SIMILAR]->(b) SET r.score = row.score"
)
DELETE_SIMILAR = "UNWIND $rows AS row MATCH (:Paper {key: row.a})-[r:SIMILAR]->(:Paper {key: row.b}) DELETE r"
ITER_SIMILAR = (
    "MATCH (a:Paper) WHERE a.key > $after WITH a ORDER BY a.key LIMIT $limit "
    "OPTIONAL MATCH (a)-[r:SIMILAR]->(b:Paper) RETURN a.key AS a, b.key AS b, r.score AS score ORDER BY a, b"
)
AUTHOR_NAMES = "UNWIND $keys AS k MATCH (a:Author {key: k}) RETURN a.key AS key, a.name AS name"
ITER_AUTHORSHIP = (
    "MATCH (p:Paper) WHERE p.key > $after WITH p ORDER BY p.key LIMIT $limit "
    "OPTIONAL MATCH (a:Author)-[w:WROTE]->(p) "
    "RETURN p.key AS paper_key, a.key AS author_key, w.position AS position ORDER BY paper_key, position"
)

# -- embeddings, stages, meta, stats ---------------------------------------------------------------------
EXISTING_EMBEDDINGS = "UNWIND $keys AS k MATCH (e:Embedding {key: k}) RETURN e.key AS key"
PUT_EMBEDDINGS = (
    "UNWIND $rows AS row MERGE (e:Embedding {key: row.key}) "
    "SET e.model = row.model, e.text_hash = row.text_hash, e.vector = row.vector"
)
GET_EMBEDDINGS = (
    "UNWIND $keys AS k MATCH (e:Embedding {key: k}) RETURN e.text_hash AS text_hash, e.vector AS vector"
)
SET_PAPER_EMBEDDINGS = (
    "UNWIND $rows AS row MATCH (p:Paper {text_hash: row.text_hash}) SET p.embedding = row.vector"
)
GET_STAGE_HASHES = "MATCH (s:Stage {stage: $stage}) RETURN s.paper_key AS paper_key, s.hash AS hash"
SET_STAGE_HASHES = (
    "UNWIND $rows AS row MERGE (s:Stage {key: row.key}) "
    "SET s.stage = $stage, s.paper_key = row.paper_key, s.hash = row.hash"
)
GET_META = "MATCH (m:Meta {key: $key}) RETURN m.value AS value"
SET_META = "MERGE (m:Meta {key: $key}) SET m.value = $value"
STATS_NODES = (
    "RETURN COUNT { MATCH (p:Paper) } AS papers, "
    "COUNT { MATCH (p:Paper) WHERE p.abstract <> '' } AS papers_with_abstract, "
    "COUNT { MATCH (a:Author) WHERE EXISTS { (a)-[:WROTE]->(:Paper) } } AS authors, "
    "COUNT { MATCH (w:ExternalWork) } AS external_works, "
    "COUNT { MATCH (c:Concept) } AS concepts"
)
# One COUNT per type reads Neo4j's count store instead of scanning every relationship.
STATS_EDGES = "RETURN " + ", ".join(
    f"COUNT {{ MATCH ()-[:{rel}]->() }} AS {rel}" for rel in ("WROTE", *GRAPH_RELS)
)

# A paper without its author lists (thousands of names on a collaboration paper; retrieval reads none).
_PAPER_TEXT_MAP = (
    "p {.key, .arxiv_id, .doi, .inspire_id, .title, .title_text, .abstract, .abstract_text, .categories, "
    ".date, .journal_ref, .sources}"
)
# -- retrieval inside the database: seeds from the indexes, then the seeds' bounded neighbourhood ----------
# The vector index scores cosine similarity as (1 + cos) / 2; the caller maps it back.
VECTOR_SEEDS = (
    "CALL db.index.vector.queryNodes('paper_embedding', $k, $vector) YIELD node, score "
    "RETURN node.key AS key, score ORDER BY score DESC, key"
)
TEXT_SEEDS = (
    "CALL db.index.fulltext.queryNodes('paper_text', $text, {limit: $k}) YIELD node, score "
    "RETURN node.key AS key, score ORDER BY score DESC, key"
)
# Paper search (GraphData.find_papers): title and author-name hits summed per paper, so a paper matching
# more of the words ranks higher; a null year or an empty category list switches that filter off.
_FIND_FILTER = (
    "WHERE ($year_from IS NULL OR toInteger(left(p.date, 4)) >= $year_from) "
    "AND ($year_to IS NULL OR toInteger(left(p.date, 4)) <= $year_to) "
    "AND (size($categories) = 0 OR any(c IN p.categories WHERE c IN $categories)) "
)
FIND_PAPERS = (
    "CALL () { "
    "CALL db.index.fulltext.queryNodes('paper_title', $text) YIELD node, score "
    "RETURN node AS p, 2.0 * score AS s "
    "UNION ALL "
    "CALL db.index.fulltext.queryNodes('author_name', $text) YIELD node, score "
    "MATCH (node)-[:WROTE]->(p:Paper) RETURN p, score AS s } "
    "WITH p, sum(s) AS score " + _FIND_FILTER + "RETURN p.key AS key ORDER BY score DESC, key LIMIT $limit"
)
FIND_NEWEST = "MATCH (p:Paper) " + _FIND_FILTER + "RETURN p.key AS key ORDER BY p.date DESC, key LIMIT $limit"
PAPER_VECTORS = "UNWIND $keys AS k MATCH (p:Paper {key: k}) RETURN p.key AS key, p.embedding AS vector"
# One round trip: the seed papers, up to $per_paper CITES/SIMILAR neighbours of each, and the $per_concept
# papers that mention each linked concept most; every paper with its links, the keys it cites and is
# similar to (the client keeps the edges whose both ends are in the neighbourhood), and its similarity to
# the question (vectors stay in the database: moving them costs more than the rest of the answer).
NEIGHBOURHOOD = (
    "CALL () { "
    "UNWIND $keys AS k MATCH (p:Paper {key: k}) RETURN p "
    "UNION UNWIND $keys AS k MATCH (s:Paper {key: k}) "
    "CALL (s) { MATCH (s)-[:CITES|SIMILAR]-(n:Paper) RETURN DISTINCT n ORDER BY n.key LIMIT $per_paper } "
    "RETURN n AS p "
    "UNION UNWIND $concepts AS cid MATCH (c:Concept {id: cid}) "
    "CALL (c) { MATCH (c)<-[r]-(n:Paper) RETURN n ORDER BY r.count DESC, n.key LIMIT $per_concept } "
    "RETURN n AS p } "
    f"RETURN {_PAPER_TEXT_MAP} AS paper, vector.similarity.cosine(p.embedding, $vector) AS similarity, "
    "[(p)-[r]->(c:Concept) | {concept_id: c.id, rel: type(r), count: r.count, evidence: r.evidence, "
    "via: r.via}] AS links, "
    "[(p)-[:CITES]->(q:Paper) | q.key] AS cites, "
    "[(p)-[s:SIMILAR]->(q:Paper) | {b: q.key, score: s.score}] AS similar"
)

# Only for the opt-in Neo4j test suite, behind Neo4jStore.wipe(confirm=<database name>).
WIPE_BATCH = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(n) AS deleted"

# -- console examples (run on both backends; tests/graph/test_console.py runs each) ---------------------
EXAMPLE_QUERIES: list[tuple[str, str]] = [
    ("Ten papers", "MATCH (p:Paper) RETURN p.key, p.title, p.year ORDER BY p.key LIMIT 10"),
    (
        "Most used methods",
        "MATCH (p:Paper)-[:USES_METHOD]->(c:Concept) RETURN c.name, COUNT(p) AS papers "
        "ORDER BY papers DESC LIMIT 15",
    ),
    (
        "Papers on a topic, with their methods",
        'MATCH (p:Paper)-[r:USES_METHOD]->(c:Concept) WHERE toLower(p.title) CONTAINS "anomaly" '
        "RETURN p.key, p.title, c.name, r.count LIMIT 25",
    ),
    ("Citations between indexed papers", "MATCH (a:Paper)-[r:CITES]->(b:Paper) RETURN a, r, b LIMIT 25"),
    ("Concept hierarchy", "MATCH (c:Concept)-[r:IS_A]->(p:Concept) RETURN c, r, p LIMIT 50"),
    (
        "Most similar pairs",
        "MATCH (a:Paper)-[s:SIMILAR]->(b:Paper) RETURN a.key, b.key, s.score ORDER BY s.score DESC LIMIT 20",
    ),
]

# -- the embedded console's engine (LadybugDB, a Kuzu fork): a read-only copy of the store's graph ----------
# Node and relationship tables mirror the Neo4j model above, so one console query reads the same on both
# stores. LadybugDB gives each node one label (its table): Neo4j's extra `:Work` label has no table here, and
# `ExternalWork` holds every citation endpoint that is not an indexed paper.
LADYBUG_NODE_TABLES: dict[str, str] = {
    "Paper": (
        "CREATE NODE TABLE Paper(key STRING PRIMARY KEY, arxiv_id STRING, doi STRING, inspire_id STRING, "
        "title STRING, title_text STRING, abstract STRING, abstract_text STRING, author_names STRING[], "
        "categories STRING[], date STRING, year INT64, journal_ref STRING)"
    ),
    "Concept": (
        "CREATE NODE TABLE Concept(id STRING PRIMARY KEY, type STRING, name STRING, aliases STRING[], "
        "acronyms STRING[], latex STRING[], parents STRING[], description STRING)"
    ),
    "Author": "CREATE NODE TABLE Author(key STRING PRIMARY KEY, name STRING)",
    "ExternalWork": "CREATE NODE TABLE ExternalWork(key STRING PRIMARY KEY, title STRING)",
}
_WORK_PAIRS = (
    "FROM Paper TO Paper, FROM Paper TO ExternalWork, FROM ExternalWork TO Paper, "
    "FROM ExternalWork TO ExternalWork"
)
LADYBUG_REL_TABLES: dict[str, str] = {
    "CITES": f"CREATE REL TABLE CITES({_WORK_PAIRS}, source STRING)",
    "IS_A": "CREATE REL TABLE IS_A(FROM Concept TO Concept)",
    "SIMILAR": "CREATE REL TABLE SIMILAR(FROM Paper TO Paper, score DOUBLE)",
    "WROTE": "CREATE REL TABLE WROTE(FROM Author TO Paper, position INT64)",
    **{
        rel: f"CREATE REL TABLE {rel}(FROM Paper TO Concept, count INT64, evidence STRING, via STRING)"
        for rel in LINK_RELS
    },
}


def ladybug_copy(table: str, path: str, pair: tuple[str, str] | None = None) -> str:
    """COPY of one table from a Parquet file the engine module wrote (a path cannot be a parameter)."""
    if table not in LADYBUG_NODE_TABLES and table not in LADYBUG_REL_TABLES:
        msg = f"no console table {table!r}; known: {sorted({**LADYBUG_NODE_TABLES, **LADYBUG_REL_TABLES})}"
        raise ConfigError(msg)
    quoted = path.replace("\\", "\\\\").replace("'", "\\'")
    options = f" (from='{pair[0]}', to='{pair[1]}')" if pair else ""
    return f"COPY {table} FROM '{quoted}'{options}"
