"""The innovations' use cases, one function each. Views, the API and tasks call these.
Each module lists its use cases in __all__."""

from .lifecycle import *  # noqa: F401,F403
from .reviews import *  # noqa: F401,F403
from .pilots import *  # noqa: F401,F403
from .adoptions import *  # noqa: F401,F403
from .attachments import *  # noqa: F401,F403
