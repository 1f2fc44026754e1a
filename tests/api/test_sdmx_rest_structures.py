"""Structure queries on both SDMX-REST trees (1.5 under /sdmx/v1, 2.x under /sdmx/v2/structure):
every resource, keywords, lists, item queries, ``detail``, ``references``, and the errors.

Answers are read as SDMX-ML (2.1 on v1, 3.0 on v2, asked for explicitly since v2 defaults to
SDMX-JSON) and, where a real client's view matters, with sdmx1.
"""

from __future__ import annotations

import httpx
import pytest

from tests.api import sdmx_helpers as h

TREES = ("v1", "v2")
ML = {
    "v1": {"Accept": "application/vnd.sdmx.structure+xml;version=2.1"},
    "v2": {"Accept": "application/vnd.sdmx.structure+xml;version=3.0.0"},
}
NEWER = h.NEWER


@pytest.fixture
def world(sdmx_world: h.World) -> h.World:
    return sdmx_world


def path(tree: str, resource: str, *parts: str) -> str:
    tail = "/".join([resource, *parts])
    return f"/sdmx/v1/{tail}" if tree == "v1" else f"/sdmx/v2/structure/{tail}"


def get(world: h.World, tree: str, resource: str, *parts: str, **params: str) -> httpx.Response:
    response = world.client.get(path(tree, resource, *parts), params=params, headers=ML[tree])
    assert response.status_code == 200, response.text[:500]
    return response


def found(world: h.World, tree: str, resource: str, *parts: str, **params: str) -> set[tuple]:
    """(kind, agency, id, version) of every artefact in the answer."""
    body = get(world, tree, resource, *parts, **params).content
    return {(a.kind, a.agency, a.id, a.version) for a in h.artefacts(body)}


def ids(world: h.World, tree: str, resource: str, *parts: str, **params: str) -> dict[str, set]:
    return h.kinds(get(world, tree, resource, *parts, **params).content)


def constraint(tree: str) -> str:
    return "ContentConstraint" if tree == "v1" else "DataConstraint"


def expected(world: h.World, tree: str) -> dict[str, dict[str, set[str]]]:
    alpha, beta, delta = world.org("alpha"), world.org("beta"), world.org("delta")
    flows = {h.FLOW} | {f"{h.FLOW}_G{goal:02d}" for goal in range(1, 18)}
    return {
        "dataflow": {"Dataflow": flows},
        "datastructure": {"DataStructure": {"DSD_SDG_COMMUNITY", "SDG"}},
        "conceptscheme": {"ConceptScheme": {"CS_COMMUNITY", "SDG_CONCEPTS"}},
        "categoryscheme": {"CategoryScheme": {"SDG"}},
        "categorisation": {"Categorisation": {f"CAT_{f}" for f in flows - {h.FLOW}}},
        "dataproviderscheme": {"DataProviderScheme": {"DATA_PROVIDERS"}},
        "agencyscheme": {"AgencyScheme": {"AGENCIES"}},
        # Only coalitions with current data have agreements: never gamma (unpublished).
        "provisionagreement": {
            "ProvisionAgreement": {
                f"{alpha}_{h.FLOW}",
                f"{alpha}_{h.FLOW}_G05",
                f"{beta}_{h.FLOW}",
                f"{beta}_{h.FLOW}_G01",
                f"{delta}_{h.FLOW}",
                f"{delta}_{h.FLOW}_G02",
            }
        },
        "contentconstraint": {
            constraint(tree): {f"CC_{h.FLOW}{goal}" for goal in ("", "_G01", "_G02", "_G05")}
        },
    }


# ------------------------------------------------------------------------------------------
# Every resource, both trees


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize(
    "resource",
    [
        "dataflow",
        "datastructure",
        "conceptscheme",
        "categoryscheme",
        "categorisation",
        "dataproviderscheme",
        "agencyscheme",
        "provisionagreement",
        "contentconstraint",
    ],
)
def test_every_structure_resource_answers_on_both_trees(
    world: h.World, tree: str, resource: str
) -> None:
    want = expected(world, tree)[resource]
    assert ids(world, tree, resource) == want
    wildcards = ("all", "all", "latest") if tree == "v1" else ("*", "*", "~")
    assert ids(world, tree, resource, *wildcards) == want


@pytest.mark.parametrize("tree", TREES)
def test_codelists_and_the_structure_resource(world: h.World, tree: str) -> None:
    # Stubs: the whole catalogue with every code takes seconds to write and proves no more.
    codelists = ids(world, tree, "codelist", detail="allstubs")["Codelist"]
    assert {"CL_SEX", "CL_AREA", "CL_SERIES", "CL_PRODUCER_TYPE", "CL_FREQ"} <= codelists
    full = h.artefacts(get(world, tree, "codelist", "SDMX").content)
    assert {a.id for a in full} == {"CL_FREQ", "CL_OBS_STATUS", "CL_UNIT_MULT"}
    assert all(a.children("Code") and not a.stub for a in full)
    everything = ids(world, tree, "structure", detail="allstubs")
    for group in expected(world, tree).values():
        for kind, wanted in group.items():
            assert everything[kind] == wanted, kind
    assert everything["Codelist"] == codelists
    ours = ids(world, tree, "structure", "VOICES", detail="allstubs")
    assert "AgencyScheme" not in ours  # SDMX:AGENCIES is not ours
    assert ours["DataStructure"] == {"DSD_SDG_COMMUNITY"}


def test_the_provider_scheme_lists_every_coalition(world: h.World) -> None:
    body = get(world, "v1", "dataproviderscheme", "VOICES", "DATA_PROVIDERS", "latest").content
    scheme = h.read_structures(body).organisation_scheme["DATA_PROVIDERS"]
    providers = {item.id for item in scheme.items.values()}
    assert {world.org(c) for c in ("alpha", "beta", "gamma", "delta")} <= providers
    assert world.office.approver.org not in providers  # a statistics office is not a data provider


# ------------------------------------------------------------------------------------------
# Keywords and lists


@pytest.mark.parametrize("tree", TREES)
def test_keywords_in_any_case(world: h.World, tree: str) -> None:
    newest = {("Codelist", "VOICES", "CL_PRODUCER_TYPE", NEWER)}
    both = newest | {("Codelist", "VOICES", "CL_PRODUCER_TYPE", "1.0.0")}
    for agency in ("all", "ALL", "*"):
        assert found(world, tree, "codelist", agency, "CL_PRODUCER_TYPE", "latest") == newest
    for version in ("latest", "Latest", "LATEST", "~", "+"):
        assert found(world, tree, "codelist", "VOICES", "CL_PRODUCER_TYPE", version) == newest
    for version in ("all", "ALL", "*"):
        assert found(world, tree, "codelist", "*", "CL_PRODUCER_TYPE", version) == both
    assert found(world, tree, "codelist", "VOICES", "CL_PRODUCER_TYPE", "1.0.0") == both - newest
    # Trailing parts left out take their defaults (all, all, latest).
    assert found(world, tree, "codelist", "VOICES", "CL_PRODUCER_TYPE") == newest
    assert (
        ids(world, tree, "dataflow", "VOICES")["Dataflow"]
        == expected(world, tree)["dataflow"]["Dataflow"]
    )


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("separator", ["+", ","])
def test_lists_of_agencies_ids_and_versions(world: h.World, tree: str, separator: str) -> None:
    areas = found(world, tree, "codelist", f"IAEG-SDGs{separator}VOICES", "CL_AREA", "latest")
    assert {(a[1], a[2]) for a in areas} == {("IAEG-SDGs", "CL_AREA"), ("VOICES", "CL_AREA")}
    two = found(world, tree, "codelist", "IAEG-SDGs", f"CL_SEX{separator}CL_AGE", "latest")
    assert {a[2] for a in two} == {"CL_SEX", "CL_AGE"}
    versions = found(
        world, tree, "codelist", "VOICES", "CL_PRODUCER_TYPE", f"1.0.0{separator}{NEWER}"
    )
    assert {a[3] for a in versions} == {"1.0.0", NEWER}
    mixed = found(world, tree, "codelist", "all", f"CL_SEX{separator}CL_NOPE", "latest")
    assert {a[2] for a in mixed} == {"CL_SEX"}


# ------------------------------------------------------------------------------------------
# Items: partial schemes


def codes(artefact: h.Artefact, element: str = "Code") -> set[str]:
    return {child.get("id") for child in artefact.children(element)}


@pytest.mark.parametrize("tree", TREES)
def test_item_queries_return_partial_schemes(world: h.World, tree: str) -> None:
    separator = "+" if tree == "v1" else ","
    (one,) = h.artefacts(get(world, tree, "codelist", "IAEG-SDGs", "CL_SEX", "latest", "F").content)
    assert one.partial and codes(one) == {"F"}
    (two,) = h.artefacts(
        get(world, tree, "codelist", "IAEG-SDGs", "CL_SEX", "latest", f"F{separator}M").content
    )
    assert two.partial and codes(two) == {"F", "M"}
    (whole,) = h.artefacts(get(world, tree, "codelist", "IAEG-SDGs", "CL_SEX", "latest").content)
    assert not whole.partial and codes(whole) > {"F", "M", "_T"}
    missing = world.client.get(
        path(tree, "codelist", "IAEG-SDGs", "CL_SEX", "latest", "NOPE"), headers=ML[tree]
    )
    assert missing.status_code == 404
    assert h.sdmx_error(missing).code == 100


def test_an_item_query_reads_as_a_partial_scheme_in_sdmx1(world: h.World) -> None:
    body = get(world, "v1", "codelist", "IAEG-SDGs", "CL_SEX", "latest", "F+M").content
    codelist = h.read_structures(body).codelist["CL_SEX"]
    assert str(codelist.is_partial).lower() == "true"  # sdmx1 keeps the attribute's text
    assert set(codelist.items) == {"F", "M"}
    assert str(codelist.items["F"].name) == "Female"
    # A nested item comes with its ancestors, so the scheme stays a tree.
    categories = h.read_structures(
        get(world, "v1", "categoryscheme", "VOICES", "SDG", "latest", "TARGET_5_3").content
    ).category_scheme["SDG"]
    assert str(categories.is_partial).lower() == "true"
    assert {"GOAL_5", "TARGET_5_3"} <= set(categories.items)
    assert "GOAL_1" not in categories.items


# ------------------------------------------------------------------------------------------
# detail


@pytest.mark.parametrize("tree", TREES)
def test_detail_stubs(world: h.World, tree: str) -> None:
    full = h.artefacts(get(world, tree, "datastructure", "VOICES", "DSD_SDG_COMMUNITY").content)[0]
    assert not full.stub and full.children("DataStructureComponents")
    assert full.children("Description")
    stub = h.artefacts(
        get(world, tree, "datastructure", "VOICES", "DSD_SDG_COMMUNITY", detail="allstubs").content
    )[0]
    assert stub.stub and not stub.children("DataStructureComponents")
    assert stub.children("Name") and not stub.children("Description")
    complete = h.artefacts(
        get(
            world, tree, "datastructure", "VOICES", "DSD_SDG_COMMUNITY", detail="allcompletestubs"
        ).content
    )[0]
    assert complete.stub and not complete.children("DataStructureComponents")
    assert complete.children("Description")
    for artefact in h.artefacts(get(world, tree, "codelist", detail="allstubs").content):
        assert artefact.stub and not artefact.children("Code"), artefact.id


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("detail", ["referencestubs", "referencecompletestubs"])
def test_reference_stubs_keep_the_matched_artefact_whole(
    world: h.World, tree: str, detail: str
) -> None:
    body = get(
        world, tree, "dataflow", "VOICES", h.FLOW, "latest", references="descendants", detail=detail
    ).content
    found_ = {a.kind: a for a in h.artefacts(body) if a.kind in ("Dataflow", "DataStructure")}
    flow, dsd = found_["Dataflow"], found_["DataStructure"]
    assert not flow.stub and flow.children("Structure")
    assert dsd.stub and not dsd.children("DataStructureComponents")
    assert bool(dsd.children("Description")) is (detail == "referencecompletestubs")
    codelists = [a for a in h.artefacts(body) if a.kind == "Codelist"]
    assert codelists and all(a.stub and not a.children("Code") for a in codelists)


@pytest.mark.parametrize("tree", TREES)
def test_reference_partial_cuts_codelists_to_the_codes_in_published_data(
    world: h.World, tree: str
) -> None:
    body = get(
        world,
        tree,
        "dataflow",
        "VOICES",
        h.FLOW,
        "latest",
        references="descendants",
        detail="referencepartial",
    ).content
    by_id = {(a.kind, a.agency, a.id): a for a in h.artefacts(body)}
    flow = by_id[("Dataflow", "VOICES", h.FLOW)]
    assert not flow.partial and flow.children("Structure")
    area = by_id[("Codelist", "VOICES", "CL_AREA")]
    # Current releases only: not KE-10 (withdrawn) nor KE-20 (never published); the areas
    # above them (Kenya, its regions) stay, so the partial list is still a tree.
    assert area.partial
    assert {c for c in codes(area) if c.startswith("KE-")} == {"KE-01", "KE-28", "KE-30", "KE-47"}
    assert "404" in codes(area) and len(codes(area)) < 20  # 404: Kenya (M49)
    series = next(a for k, a in by_id.items() if k[0] == "Codelist" and k[2] == "CL_SERIES")
    assert series.partial and codes(series) == {h.MARRIAGE, h.POVERTY, h.STUNTING}
    sex = next(a for k, a in by_id.items() if k[0] == "Codelist" and k[2] == "CL_SEX")
    assert sex.partial and codes(sex) == {"F", "M", "_T"}
    dsd = by_id[("DataStructure", "VOICES", "DSD_SDG_COMMUNITY")]
    assert not dsd.stub and dsd.children("DataStructureComponents")


# ------------------------------------------------------------------------------------------
# references


def test_references_all_gives_a_client_everything_to_read_the_flow(world: h.World) -> None:
    body = get(world, "v1", "dataflow", "VOICES", h.FLOW, "latest", references="all").content
    message = h.read_structures(body)
    flow = message.dataflow[h.FLOW]
    dsd = message.structure["DSD_SDG_COMMUNITY"]
    assert flow.structure is dsd or flow.structure.id == dsd.id
    assert {"CS_COMMUNITY", "SDG_CONCEPTS"} <= set(message.concept_scheme)
    enumerated = {
        dimension.local_representation.enumerated.id
        for dimension in dsd.dimensions.components
        if dimension.local_representation is not None
        and dimension.local_representation.enumerated is not None
    }
    assert {"CL_SEX", "CL_AREA", "CL_SERIES", "CL_FREQ"} <= enumerated
    assert enumerated <= set(message.codelist)
    assert len(message.codelist["CL_SEX"]) > 2
    # …and what points at the flow: its provision agreements and actual constraint.
    assert set(message.constraint) == {f"CC_{h.FLOW}"}
    assert set(message.provisionagreement) == {
        f"{world.org(c)}_{h.FLOW}" for c in ("alpha", "beta", "delta")
    }


@pytest.mark.parametrize("tree", TREES)
def test_references_walk_the_graph(world: h.World, tree: str) -> None:
    alpha = world.org("alpha")
    agreements = {f"{world.org(c)}_{h.FLOW}" for c in ("alpha", "beta", "delta")}
    cc = constraint(tree)

    def refs(mode: str, flow: str = h.FLOW) -> dict[str, set[str]]:
        # Stubs of what is referenced: the same artefacts, written faster.
        return ids(
            world,
            tree,
            "dataflow",
            "VOICES",
            flow,
            "latest",
            references=mode,
            detail="referencestubs",
        )

    assert refs("none") == {"Dataflow": {h.FLOW}}
    assert refs("children") == {"Dataflow": {h.FLOW}, "DataStructure": {"DSD_SDG_COMMUNITY"}}
    descendants = refs("descendants")
    assert set(descendants) == {"Dataflow", "DataStructure", "ConceptScheme", "Codelist"}
    assert {"CL_SEX", "CL_PRODUCER_TYPE"} <= descendants["Codelist"]
    assert refs("parents") == {
        "Dataflow": {h.FLOW},
        cc: {f"CC_{h.FLOW}"},
        "ProvisionAgreement": agreements,
    }
    assert refs("parentsandsiblings") == {
        **refs("parents"),
        "DataProviderScheme": {"DATA_PROVIDERS"},
    }
    assert refs("all") == {**descendants, **refs("parentsandsiblings")}
    assert refs("codelist") == {"Dataflow": {h.FLOW}, "Codelist": descendants["Codelist"]}
    assert refs("datastructure") == refs("children")
    assert refs("provisionagreement") == {"Dataflow": {h.FLOW}, "ProvisionAgreement": agreements}
    assert refs("dataproviderscheme") == {"Dataflow": {h.FLOW}}  # not a child nor a parent
    goal5 = f"{h.FLOW}_G05"
    assert refs("parents", goal5) == {
        "Dataflow": {goal5},
        "Categorisation": {f"CAT_{goal5}"},
        cc: {f"CC_{goal5}"},
        "ProvisionAgreement": {f"{alpha}_{goal5}"},
    }
    parents = ids(
        world, tree, "codelist", "VOICES", "CL_PRODUCER_TYPE", "1.0.0", references="parents"
    )
    assert parents["DataStructure"] == {"DSD_SDG_COMMUNITY"}
    assert "Dataflow" not in parents
    # The newer version is referenced by nothing.
    assert ids(world, tree, "codelist", "VOICES", "CL_PRODUCER_TYPE", references="parents") == {
        "Codelist": {"CL_PRODUCER_TYPE"}
    }


def test_v2_ancestors_reach_the_flows_of_a_codelist(world: h.World) -> None:
    ancestors = ids(
        world, "v2", "codelist", "VOICES", "CL_PRODUCER_TYPE", "1.0.0", references="ancestors"
    )
    assert ancestors["DataStructure"] == {"DSD_SDG_COMMUNITY"}
    assert h.FLOW in ancestors["Dataflow"]


def test_v2_answers_sdmx_json_by_default(world: h.World) -> None:
    response = world.client.get(f"/sdmx/v2/structure/dataflow/VOICES/{h.FLOW}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.sdmx.structure+json;version=2.0.0"
    body = response.json()
    assert "sdmx-json-structure-schema.json" in body["meta"]["schema"]
    assert [flow["id"] for flow in body["data"]["dataflows"]] == [h.FLOW]


# ------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("tree", TREES)
def test_an_unknown_artefact_is_404_with_an_sdmx_error(world: h.World, tree: str) -> None:
    for parts in (("VOICES", "DF_NOPE", "latest"), ("NOPE",), ("VOICES", h.FLOW, "9.9.9")):
        response = world.client.get(path(tree, "dataflow", *parts), headers=ML[tree])
        assert response.status_code == 404, parts
        error = h.sdmx_error(response)
        assert error.code == 100 and error.root == "mes:Error"
    # SDMX-JSON, the default of the 2.x tree: the HTTP status as the error code.
    response = world.client.get("/sdmx/v2/structure/codelist/VOICES/CL_NOPE")
    assert response.status_code == 404
    assert h.json_error(response)["code"] == 404


@pytest.mark.parametrize(
    "url",
    [
        "/sdmx/v1/hierarchicalcodelist",
        "/sdmx/v1/hierarchicalcodelist/all/all/latest",
        "/sdmx/v1/organisationscheme",
        "/sdmx/v1/metadatastructure/all",
        "/sdmx/v1/metadata/VOICES,DF_SDG_COMMUNITY/all/all",
        "/sdmx/v1/schema/dataflow/VOICES/DF_SDG_COMMUNITY/latest",
        "/sdmx/v2/structure/hierarchicalcodelist",
        "/sdmx/v2/structure/hierarchy/VOICES",
        "/sdmx/v2/schema/dataflow/VOICES/DF_SDG_COMMUNITY/1.0.0",
        "/sdmx/v2/metadata/metadataset/VOICES/X/1.0",
        "/sdmx/v2/registration/id/X",
        "/sdmx/v2/registration/provider/VOICES/X",
    ],
)
def test_standard_resources_not_served_are_501_with_an_sdmx_error(world: h.World, url: str) -> None:
    tree = "v1" if url.startswith("/sdmx/v1") else "v2"
    response = world.client.get(url, headers=ML[tree])
    assert response.status_code == 501, response.text
    error = h.sdmx_error(response)
    assert error.code == 501 and error.root == "mes:Error"
    if tree == "v2":
        as_json = world.client.get(url)
        assert as_json.status_code == 501 and h.json_error(as_json)["code"] == 501


@pytest.mark.parametrize("tree", TREES)
def test_bad_structure_queries(world: h.World, tree: str) -> None:
    unknown = world.client.get(path(tree, "nosuchresource"), headers=ML[tree])
    assert unknown.status_code == 404 and h.sdmx_error(unknown).code == 100
    for params in ({"detail": "bogus"}, {"references": "bogus"}):
        response = world.client.get(path(tree, "dataflow"), params=params, headers=ML[tree])
        assert response.status_code == 400, params
        assert h.sdmx_error(response).code == 140
