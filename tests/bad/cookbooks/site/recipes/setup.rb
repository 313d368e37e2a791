log 'setup'
