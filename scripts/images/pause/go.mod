module redis-platform.local/images/pause

go 1.24
