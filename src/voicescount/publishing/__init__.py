"""Publishing: releases of reviewed dataset versions, SDMX data feeds and the structure catalogue."""
