"""The GraphQL documents the pages run: the public schema is the only source of what they show."""

from __future__ import annotations

RESULT_FIELDS = """
fragment ResultFields on InspectionResult {
  id publishedOn publicationDue version underObjection description year
  entity { creditCode name }
  department { name }
  item { code name }
  task { id name }
  categories { code label isProblem }
}
"""

HOME = (
    RESULT_FIELDS
    + """
query Home { results(first: 8) { totalCount edges { node { ...ResultFields } } } }
"""
)

SEARCH = (
    RESULT_FIELDS
    + """
query Search($query: String!, $first: Int, $after: String, $departmentId: ID, $regionCode: String,
             $year: Int, $categoryCode: String, $entityType: EntityType) {
  search(query: $query, first: $first, after: $after, departmentId: $departmentId,
         regionCode: $regionCode, year: $year, categoryCode: $categoryCode, entityType: $entityType) {
    totalCount totalCountExact matchedTerms allTermsMatched
    pageInfo { hasNextPage endCursor }
    entity { creditCode }
    didYouMean { creditCode name }
    facets {
      categories { category { code label } count }
      departments { department { id name } count }
      years { year count }
      regions { code name count }
    }
    edges { cursor highlights { field marked } node { ...ResultFields } }
  }
}
"""
)

SUGGEST = """
query Suggest($query: String!) {
  search(query: $query, first: 20) {
    entity { creditCode name }
    didYouMean { creditCode name }
    edges { node { entity { creditCode name } } }
  }
}
"""

ENTITY = """
query Entity($creditCode: String!) {
  entity(creditCode: $creditCode) {
    creditCode name formerNames entityTypeLabel regionCode address status registrationDate
    results(first: 100) {
      totalCount
      edges { node {
        id publishedOn version underObjection description
        enforcementOutcome { transferredTo transferredOn outcome outcomeOn }
        department { name }
        item { code name }
        task { id name }
        categories { code label isProblem }
        history { version publishedOn changeReason description categories { code label } }
      } }
    }
  }
}
"""

RESULT = """
query Result($id: ID!) {
  result(id: $id) {
    id year publishedOn publicationDue publicationDueProvisional version underObjection description
    enforcementOutcome { transferredTo transferredOn outcome outcomeOn }
    entity { creditCode name entityTypeLabel }
    department { name }
    item { code name legalBasis }
    task { id name }
    categories { code label isProblem }
    referenceNumber
    history { version publishedOn changeReason description categories { code label }
      logIndex logInclusion { leafIndex leaf hashes checkpoint { treeSize rootHash signed } } }
  }
}
"""

PLANS = """
query Plans($year: Int) {
  plans(first: 100, year: $year) {
    totalCount
    edges { node { id year title description publishedOn publicationDeadline publishedLate department { name }
      tasks { id name periodStart periodEnd status } } }
  }
}
"""

TASKS = """
query Tasks($year: Int, $status: TaskStatus, $after: String) {
  tasks(first: 50, year: $year, status: $status, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name year periodStart periodEnd status initiatingDepartment { name }
      participatingDepartments { name } resultSummary { published } } }
  }
}
"""

TASK = """
query Task($id: ID!) {
  node(id: $id) {
    ... on Task {
      id name year level method regionCode scope scopeRules periodStart periodEnd status
      initiatingDepartment { name }
      participatingDepartments { name }
      items { item { code name } department { name } }
      strata { name ratioPercent entityType industry }
      draw { algorithm seedSha256 candidatesSha256 candidateCount seed platformNonceSha256
             platformNonce committedAt drawnAt locked scopeExclusions { reason count } }
      drawnEntities { creditCode name }
      drawnListWithheld drawnListDisclosedOn
      resultSummary { published byCategory { category { label } count } }
    }
  }
}
"""

STATISTICS = """
query Statistics($year: Int, $departmentId: ID, $regionCode: String) {
  statistics(year: $year, departmentId: $departmentId, regionCode: $regionCode) {
    summary { ...Row }
    total { ...Row }
    timeliness { departmentId departmentName onTime late }
  }
  departments(first: 100) { edges { node { id name } } }
}
fragment Row on StatisticsRow {
  departmentId departmentName tasks drawn inspected results problemEntities problemResults
  problemRatePercent published publishedLate byCategory { code label count }
}
"""

CATEGORIES = "query Categories { resultCategories { code label isProblem withoutInspection source } }"

DEPARTMENT_TASKS = """
query DepartmentTasks($department: ID!, $after: String) {
  tasks(first: 50, departmentId: $department, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name year periodStart periodEnd status initiatingDepartment { name }
      participatingDepartments { name } } }
  }
}
"""
