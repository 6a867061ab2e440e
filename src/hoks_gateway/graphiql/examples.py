"""What GraphiQL opens with: a welcome tab saying where a token goes, then one saved query per kind
of caller, each one that kind may run and that finds data in the demo data set.

GraphiQL names a tab after its operation, so every example's operation name starts with its kind.
Who may read what: docs/API.md, "Principals".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hoks_gateway.auth.principal import PrincipalKind

_OPERATION = re.compile(r"^query (\w+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Example:
    kind: PrincipalKind
    query: str

    @property
    def operation_name(self) -> str:
        found = _OPERATION.search(self.query)
        if found is None:  # pragma: no cover - every example below names its operation
            raise ValueError(f"the {self.kind.value} example has no named query")
        return found.group(1)


WELCOME = """# Welcome to hoks-gateway's GraphiQL.
#
# Organisation data is public. Personal data needs a
# bearer token. Open one of the links that
# `hoks-gateway serve --demo` prints: every tab's
# Headers then holds the token. Or paste
#   {"Authorization": "Bearer <token>"}
# into Headers below; `hoks-gateway token --kind STAFF
# --oid ... --org OID:READ` mints one.
#
# The other tabs hold an example for each kind of caller
# (LEARNER, STAFF, SERVICE, ADMIN, ANALYST): run it with
# a token of that kind. Ctrl-Enter runs, Ctrl-Space completes.

query WhoAmI {
  me {
    kind
    oid
    privileges { organisationOid privileges }
  }
}
"""

EXAMPLES = (
    Example(
        PrincipalKind.LEARNER,
        """# LEARNER: my study rights, my plan and how far along it I am.
query LearnerMyPlanProgress {
  me {
    learner {
      callingName
      studyRights {
        oid
        status
        qualification { code nameFi }
        oppilaitos { name { fi } }
        hoks {
          id
          firstApprovedOn
          progress { planned scheduled completed total }
        }
      }
    }
  }
}
""",
    ),
    Example(
        PrincipalKind.STAFF,
        """# STAFF: the student list of the organisations I may read, with plan progress.
query StaffStudentList {
  learners(first: 10, orderBy: SURNAME_ASC) {
    totalCount
    nodes {
      oid
      surname
      callingName
      studyRights {
        status
        oppilaitos { name { fi } }
        hoks { id firstApprovedOn progress { completed total } }
      }
    }
  }
}
""",
    ),
    Example(
        PrincipalKind.SERVICE,
        """# SERVICE: a provider's system syncing the plans it may read, most recently changed first.
query ServiceChangedPlans {
  hokses(orderBy: UPDATED_DESC, first: 10) {
    totalCount
    nodes {
      id
      eid
      revision
      updatedAt
      source
      studyRight { oid status }
    }
    pageInfo { hasNextPage endCursor }
  }
}
""",
    ),
    Example(
        PrincipalKind.ADMIN,
        """# ADMIN: plans across all providers and who changed them how.
query AdminPlanHistory {
  hokses(orderBy: UPDATED_DESC, first: 5) {
    totalCount
    nodes {
      id
      organisation { name { fi } }
      learner { oid surname }
      revisions(first: 5) {
        nodes { number at operation source principalKind changedPaths }
      }
    }
  }
}
""",
    ),
    Example(
        PrincipalKind.ANALYST,
        """# ANALYST: the transfer statistics, and plan content without personal data.
query AnalystTransferStatistics {
  transferStatistics {
    hoksCount
    learnerCount
    providersTotal
    providersStarted
    byMonth { month hoksCount cumulativeHoksCount providersStarted }
  }
  hokses(first: 3) {
    nodes {
      learner { oid }
      studyRight { qualification { nameFi } }
      progress { planned scheduled completed total }
    }
  }
}
""",
    ),
)
