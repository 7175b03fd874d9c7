"""The pipeline compiler: YAML configs + metadata + secrets -> workflows of stages of steps.

Pure: no database, no network. The server stores what it returns and agents run it.
"""
